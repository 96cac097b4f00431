using System.Collections.Frozen;
using System.Collections.Immutable;

namespace Processes.Engine.Bpmn.Executable;

/// <summary>
/// One executable BPMN process, independent of its deployed version: the same model object serves every
/// definition key whose XML produced it.
/// </summary>
internal sealed class ExecutableProcess : ExecutableElement
{
    public ExecutableScope Scope { get; internal set; } = null!;

    /// <summary>Every flow node and sequence flow of the process, nested scopes included, by id.</summary>
    public FrozenDictionary<string, ExecutableElement> Elements { get; internal set; } =
        FrozenDictionary<string, ExecutableElement>.Empty;

    /// <summary><c>zeebe:versionTag</c>, used by callers that bind by version tag.</summary>
    public string? VersionTag { get; init; }

    /// <summary>Forms embedded in the process (<c>zeebe:userTaskForm</c>), by id, as JSON text.</summary>
    public ImmutableDictionary<string, string> EmbeddedForms { get; init; } = ImmutableDictionary<string, string>.Empty;

    public ImmutableArray<ExecutionListenerDefinition> ExecutionListeners { get; init; } = [];

    public ExecutableFlowNode? FindFlowNode(string id) =>
        Elements.TryGetValue(id, out var element) ? element as ExecutableFlowNode : null;

    public ExecutableFlowNode GetFlowNode(string id) =>
        FindFlowNode(id) ?? throw new KeyNotFoundException($"Process '{Id}' has no flow node '{id}'.");
}
