using System.Collections.Immutable;
using Processes.Engine.Dmn.Boxed;
using Processes.Engine.Dmn.Types;

namespace Processes.Engine.Dmn;

/// <summary>
/// The parts of a DRG besides decisions: business knowledge models and decision services (both visible to
/// decisions as functions by name), input data (for their typeRef) and the item definitions that types name.
/// </summary>
internal sealed record DrgParts(
    ImmutableArray<KnowledgeModel> KnowledgeModels,
    ImmutableArray<DecisionService> Services,
    ImmutableArray<InputDataElement> InputData,
    TypeConformance Types)
{
    public static DrgParts Empty { get; } = new([], [], [], TypeConformance.None);
}

/// <summary>
/// A business knowledge model: a named function (its encapsulated logic); null logic gives null when invoked.
/// <see cref="TypeRef"/> (its variable's type, a function type) gives the type its results take.
/// </summary>
internal sealed record KnowledgeModel(string Id, string Name, FunctionBox? Logic, int Line, string? TypeRef = null);

/// <summary>
/// A decision service (DMN 1.5 §6.3.10): output decisions evaluated from input data and input decisions given as
/// arguments, in that order; encapsulated decisions are evaluated inside.
/// </summary>
internal sealed record DecisionService(
    string Id, string Name, ImmutableArray<string> OutputDecisions, ImmutableArray<string> InputDecisions, ImmutableArray<string> InputData, string? TypeRef, int Line);

internal sealed record InputDataElement(string Id, string Name, string? TypeRef);
