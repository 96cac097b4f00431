using System.Collections.Immutable;

namespace Processes.Engine.Bpmn.Executable;

/// <summary>
/// The children of a process, embedded subprocess or event subprocess. A scope is where tokens live: the runtime
/// starts a scope at its start event(s), and a scope completes when no token is left in it.
/// </summary>
internal sealed class ExecutableScope
{
    /// <summary>The process or subprocess that owns this scope.</summary>
    public required ExecutableElement Owner { get; init; }

    /// <summary>The enclosing scope; null for the process scope.</summary>
    public ExecutableScope? Parent { get; init; }

    /// <summary>Direct children in document order (boundary events and event subprocesses included).</summary>
    public ImmutableArray<ExecutableFlowNode> FlowNodes { get; internal set; } = [];

    public ImmutableArray<ExecutableSequenceFlow> SequenceFlows { get; internal set; } = [];

    /// <summary>Start events directly in this scope (not those of nested event subprocesses).</summary>
    public ImmutableArray<ExecutableEvent> StartEvents { get; internal set; } = [];

    /// <summary>The start event without a trigger, where a plain start of the scope begins.</summary>
    public ExecutableEvent? NoneStartEvent { get; internal set; }

    /// <summary>Event subprocesses that can be triggered while this scope is active.</summary>
    public ImmutableArray<ExecutableSubProcess> EventSubProcesses { get; internal set; } = [];
}
