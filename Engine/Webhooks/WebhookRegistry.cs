using System.Collections.Concurrent;
using System.Collections.Immutable;
using Processes.Engine.Bpmn.Executable;
using Processes.Engine.Deployment;

namespace Processes.Engine.Webhooks;

/// <summary>
/// The webhooks the deployed models declare: those of the latest version of each process of each tenant (a new version
/// takes its path over at once, an older one stops answering). A definition never changes, so what it declares is read
/// once per definition key; only the list of latest versions is read per request.
/// </summary>
public sealed class WebhookRegistry
{
    private readonly ProcessDefinitions _definitions;
    private readonly ConcurrentDictionary<long, Declared> _byDefinition = new();

    internal WebhookRegistry(ProcessDefinitions definitions) => _definitions = definitions;

    /// <summary>Drops what a deleted definition declared (null: everything); the latest versions are read per request anyway.</summary>
    internal void Forget(long? processDefinitionKey)
    {
        if (processDefinitionKey is { } key)
        {
            _byDefinition.TryRemove(key, out _);
        }
        else
        {
            _byDefinition.Clear();
        }
    }

    /// <summary>Every webhook of the latest versions, and the declarations that are wrong (each naming its element).</summary>
    public async Task<(IReadOnlyList<WebhookDeclaration> Webhooks, IReadOnlyList<string> Problems)> ListAsync(CancellationToken cancellationToken)
    {
        var webhooks = new List<WebhookDeclaration>();
        var problems = new List<string>();
        foreach (var definition in await _definitions.ListLatestAsync(cancellationToken))
        {
            if (!_byDefinition.TryGetValue(definition.ProcessDefinitionKey, out var declared))
            {
                var model = await _definitions.GetExecutableAsync(definition.ProcessDefinitionKey, cancellationToken);
                declared = model is null ? Declared.None : Read(definition.TenantId, definition.BpmnProcessId, definition.ProcessDefinitionKey, model);
                _byDefinition.TryAdd(definition.ProcessDefinitionKey, declared);
            }
            webhooks.AddRange(declared.Webhooks);
            problems.AddRange(declared.Problems);
        }
        return (webhooks, problems);
    }

    /// <summary>The webhooks a tenant's latest versions declare at <paramref name="path"/> (more than one is a modelling conflict).</summary>
    public async Task<IReadOnlyList<WebhookDeclaration>> FindAsync(string tenantId, string path, CancellationToken cancellationToken)
    {
        var normalised = WebhookDeclaration.NormalisePath(path);
        var (webhooks, _) = await ListAsync(cancellationToken);
        return [.. webhooks.Where(w => w.TenantId == tenantId && w.Path == normalised)];
    }

    private static Declared Read(string tenantId, string bpmnProcessId, long definitionKey, ExecutableProcess model)
    {
        var webhooks = ImmutableArray.CreateBuilder<WebhookDeclaration>();
        var problems = ImmutableArray.CreateBuilder<string>();
        foreach (var node in model.Elements.Values.OfType<ExecutableFlowNode>().OrderBy(n => n.Id, StringComparer.Ordinal))
        {
            var (declaration, problem) = WebhookDeclaration.Read(tenantId, bpmnProcessId, definitionKey, node);
            if (declaration is not null)
            {
                webhooks.Add(declaration);
            }
            if (problem is not null)
            {
                problems.Add(problem);
            }
        }
        return new Declared(webhooks.ToImmutable(), problems.ToImmutable());
    }

    private sealed record Declared(ImmutableArray<WebhookDeclaration> Webhooks, ImmutableArray<string> Problems)
    {
        public static readonly Declared None = new([], []);
    }
}
