using Processes.Engine.Bpmn.Executable;
using Processes.Engine.Deployment;
using Processes.Engine.Visibility;

namespace Processes.Engine.Queries;

/// <summary>A deployed process a person can start from a page: its latest version has a plain start event, maybe with a start form.</summary>
public sealed record StartableProcess(long ProcessDefinitionKey, string BpmnProcessId, string? Name, int Version, string? StartFormId)
{
    public string TenantId { get; init; } = TenantIds.Default;
}

/// <summary>The processes a page offers to start, and the start form of a definition.</summary>
public sealed class StartQueries
{
    private readonly ProcessDefinitions _definitions;

    public StartQueries(ProcessDefinitions definitions) => _definitions = definitions;

    /// <summary>The latest version (per tenant of the caller's) of every process that starts by a plain (none) start event at its top level, by id.</summary>
    public async Task<IReadOnlyList<StartableProcess>> StartableAsync(Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var startable = new List<StartableProcess>();
        foreach (var definition in await _definitions.ListLatestAsync(cancellationToken))
        {
            if (await FindAsync(caller, definition.ProcessDefinitionKey, cancellationToken) is { } process)
            {
                startable.Add(process);
            }
        }
        return startable;
    }

    /// <summary>The definition as a startable process, or null when it is unknown, of a tenant the caller is not in, or has no plain start event.</summary>
    public async Task<StartableProcess?> FindAsync(Caller caller, long processDefinitionKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (await _definitions.FindAsync(processDefinitionKey, cancellationToken) is not { IsDeleted: false } definition || !caller.InTenant(definition.TenantId) ||
            await _definitions.GetExecutableAsync(processDefinitionKey, cancellationToken) is not { } model)
        {
            return null;
        }
        var start = model.Scope.StartEvents.FirstOrDefault(e => e.EventKind == EventDefinitionKind.None);
        return start is null ? null : new StartableProcess(processDefinitionKey, definition.BpmnProcessId, definition.Name, definition.Version, start.StartFormId)
        {
            TenantId = definition.TenantId,
        };
    }
}
