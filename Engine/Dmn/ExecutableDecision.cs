using System.Collections.Immutable;
using Processes.Engine.Feel;
using Processes.Engine.Feel.Values;

namespace Processes.Engine.Dmn;

/// <summary>
/// One DMN file: its decision requirements graph (DRG, the <c>definitions</c> element) and every decision in it.
/// Read once at deployment or on first use and shared by every evaluation; never mutate one.
/// </summary>
internal sealed record DecisionRequirements(string Id, string? Name, ImmutableArray<ExecutableDecision> Decisions)
{
    /// <summary>Business knowledge models, decision services, input data and item definitions of the file.</summary>
    public DrgParts Parts { get; init; } = DrgParts.Empty;

    public ExecutableDecision? Find(string decisionId) => Decisions.FirstOrDefault(d => d.Id == decisionId);

    /// <summary>The file's <c>definitions/@namespace</c>, what other models import it by; null when it has none.</summary>
    public string? Namespace { get; init; }

    /// <summary>The file's DMN imports (DMN 1.5 §6.3.3), in document order.</summary>
    public ImmutableArray<DmnImport> Imports { get; init; } = [];

    /// <summary>The imported models by import name, once resolved (empty when the file was read without them).</summary>
    public ImmutableDictionary<string, DecisionRequirements> Imported { get; init; } = ImmutableDictionary<string, DecisionRequirements>.Empty;

    /// <summary>Every name FEEL may refer to in the file: what a model importing this one must lex as one name after the prefix.</summary>
    public ImmutableArray<string> Names { get; init; } = [];
}

/// <summary>
/// An import of another DMN model (DMN 1.5 §6.3.3): its decisions, business knowledge models, decision services and
/// item definitions are visible as <c>Name.element</c>.
/// </summary>
internal sealed record DmnImport(string Name, string Namespace, int Line);

/// <summary>A required decision of an imported model (<c>requiredDecision href="namespace#id"</c>), by import name.</summary>
internal sealed record ImportedRequirement(string ImportName, string DecisionId);

/// <summary>
/// A decision: a decision table or a literal expression. <see cref="RequiredDecisions"/> (ids, in document order)
/// are evaluated first and their results are visible to the logic under their id and their name.
/// </summary>
internal sealed record ExecutableDecision(
    string Id,
    string? Name,
    ImmutableArray<string> RequiredDecisions,
    DecisionLogic Logic,
    int Line,
    string? TypeRef = null,
    ImmutableArray<string> RequiredInputs = default)
{
    /// <summary>Input data ids the decision requires (<c>informationRequirement/requiredInput</c>).</summary>
    public ImmutableArray<string> RequiredInputs { get; init; } = RequiredInputs.IsDefault ? [] : RequiredInputs;

    /// <summary>Required decisions of imported models, evaluated there and visible as <c>import.name</c> and <c>import.id</c>.</summary>
    public ImmutableArray<ImportedRequirement> ImportedRequirements { get; init; } = [];

    /// <summary>Camunda's decision type names, as the API reports them.</summary>
    public string DecisionType => Logic switch
    {
        DecisionTable => "DECISION_TABLE",
        LiteralExpressionLogic => "LITERAL_EXPRESSION",
        _ => "UNSPECIFIED",
    };
}

internal abstract record DecisionLogic;

/// <summary>A literal-expression decision: one FEEL expression.</summary>
internal sealed record LiteralExpressionLogic(FeelExpression Expression) : DecisionLogic;

/// <summary>Any other boxed expression (context, invocation, list, relation, conditional, filter, iterators, function).</summary>
internal sealed record BoxedLogic(Boxed.BoxedExpression Expression) : DecisionLogic;

internal enum HitPolicy
{
    Unique,
    First,
    Any,
    Priority,
    RuleOrder,
    OutputOrder,
    Collect,
}

internal enum Aggregation
{
    None,
    Sum,
    Min,
    Max,
    Count,
}

/// <summary>A decision table; the evaluator is <see cref="DecisionTableEvaluator"/>.</summary>
internal sealed record DecisionTable(
    HitPolicy HitPolicy,
    Aggregation Aggregation,
    ImmutableArray<DecisionInput> Inputs,
    ImmutableArray<DecisionOutput> Outputs,
    ImmutableArray<DecisionRule> Rules) : DecisionLogic;

/// <summary>
/// An input column: its expression gives the value each rule's input entry tests. <see cref="Allowed"/> (the
/// column's input values, unary tests) constrains that value (DMN 1.5 §8.3.2).
/// </summary>
internal sealed record DecisionInput(string Id, string? Label, FeelExpression Expression, FeelExpression? Allowed = null)
{
    /// <summary>The input expression's typeRef: the value must conform to it (DMN 1.5 §7.3.4), else the table is null.</summary>
    public string? TypeRef { get; init; }

    public string DisplayName => Label ?? Expression.Text;
}

/// <summary>
/// An output column. <see cref="Priorities"/> (the output values, most important first) order the results of
/// PRIORITY and OUTPUT ORDER tables; <see cref="Default"/> is the value when no rule matches; <see cref="Allowed"/>
/// (the output values as unary tests) constrains every value the column gives (DMN 1.5 §8.3.2).
/// </summary>
internal sealed record DecisionOutput(
    string Id, string Name, string? Label, string? TypeRef, ImmutableArray<FeelValue> Priorities, FeelExpression? Default, FeelExpression? Allowed = null);

/// <summary>A row: input entries are unary tests (one per input), output entries expressions (one per output).</summary>
internal sealed record DecisionRule(string Id, int Index, ImmutableArray<FeelExpression> InputEntries, ImmutableArray<FeelExpression> OutputEntries);
