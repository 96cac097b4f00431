using System.Collections.Immutable;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Dapper;
using Npgsql;
using Processes.Engine.Bpmn.Executable;
using Processes.Engine.Bpmn.Reading;
using Processes.Engine.Bpmn.Validation;
using Processes.Engine.Dmn;
using Processes.Engine.Storage;

namespace Processes.Engine.Deployment;

/// <summary>
/// Deploys a set of resources all or nothing: every BPMN and DMN file is read and validated first, then one
/// transaction stores the resources and gives each process id and decision id its next version, or returns the
/// existing version when the resource is unchanged since the latest one.
/// </summary>
public sealed class DeploymentService
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly ProcessDefinitions _definitions;

    // First key of the two-key advisory lock: keeps per-process-id locks apart from other users of advisory locks.
    private const int ProcessIdLockSpace = 0x50524f43; // "PROC"

    private readonly BpmnReadOptions _readOptions;

    // What DMN imports outside a deployment resolve to: the tenant's deployed models, read as evaluations read them.
    private readonly DecisionDefinitions _deployedDecisions;

    /// <summary>Built by <see cref="EngineParts"/> (tests: directly).</summary>
    internal DeploymentService(NpgsqlDataSource dataSource, ProcessDefinitions definitions, BpmnReadOptions? readOptions = null)
    {
        _dataSource = dataSource;
        _definitions = definitions;
        _readOptions = readOptions ?? BpmnReadOptions.Default;
        _deployedDecisions = new DecisionDefinitions(dataSource, _readOptions);
    }

    /// <summary>Drops the cached model of a deleted decision requirements graph (what imports resolve to); null: every model.</summary>
    internal void ForgetDecisions(long? decisionRequirementsKey)
    {
        if (decisionRequirementsKey is { } key)
        {
            _deployedDecisions.Forget(key);
        }
        else
        {
            _deployedDecisions.ForgetAll();
        }
    }

    /// <summary>Deploys into <paramref name="tenantId"/> (the default tenant when null): its versions count apart from other tenants'.</summary>
    public Task<DeploymentResult> DeployAsync(IReadOnlyList<DeploymentResource> resources, CancellationToken cancellationToken, string? tenantId = null) =>
        DeployCoreAsync(resources, null, tenantId, cancellationToken);

    /// <summary>
    /// Deploys as <paramref name="deployedBy"/>: the deployment records who, and an audit row <c>deployment.created</c>
    /// commits with it (a deployment that changes nothing is still recorded: someone deployed).
    /// </summary>
    public Task<DeploymentResult> DeployByAsync(IReadOnlyList<DeploymentResource> resources, AuditActor deployedBy, string? tenantId,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deployedBy);
        return DeployCoreAsync(resources, deployedBy, tenantId, cancellationToken);
    }

    private async Task<DeploymentResult> DeployCoreAsync(IReadOnlyList<DeploymentResource> resources, AuditActor? deployedBy, string? tenantId,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(resources);
        var tenant = tenantId ?? Visibility.TenantIds.Default;
        var importable = await ImportableAsync(resources, tenant, cancellationToken);
        var (files, problems) = Read(resources, importable.ToDictionary(i => i.Key, i => i.Value.Model, StringComparer.Ordinal));
        if (problems.Any(p => p.Problem.IsError))
        {
            return new DeploymentResult.Rejected([.. problems]);
        }

        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        using var lookups = Storage.CommandConnection.Enter(_dataSource, connection, transaction);
        var deploymentKey = await NextKeyAsync(connection, transaction, cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO deployment (deployment_key, tenant_id, deployed_by) VALUES (@deploymentKey, @tenant, @actor)",
            new { deploymentKey, tenant, actor = deployedBy?.Actor }, transaction, cancellationToken: cancellationToken));
        foreach (var file in files)
        {
            await connection.ExecuteAsync(new CommandDefinition("""
                INSERT INTO deployment_resource (deployment_key, resource_name, content, checksum)
                VALUES (@deploymentKey, @Name, @Content, @Checksum)
                """, new { deploymentKey, file.Name, Content = file.Content.ToArray(), file.Checksum },
                transaction, cancellationToken: cancellationToken));
        }

        var processes = files
            .SelectMany(f => f.Processes.Select(p => (File: f, Process: p)))
            .OrderBy(x => x.Process.Id, StringComparer.Ordinal)
            .ToList();
        // Versions are "latest + 1": concurrent deployments of one id must take turns. Locks are taken in id order
        // so two deployments sharing several ids cannot deadlock; they are released at commit.
        foreach (var (_, process) in processes)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "SELECT pg_advisory_xact_lock(@ProcessIdLockSpace, hashtext(@tenant || chr(31) || @Id))",
                new { ProcessIdLockSpace, tenant, process.Id }, transaction, cancellationToken: cancellationToken));
        }
        var deployed = ImmutableArray.CreateBuilder<DeployedProcess>();
        var models = new List<(long Key, ExecutableProcess Model)>();
        foreach (var (file, process) in processes)
        {
            var result = await DeployProcessAsync(connection, transaction, tenant, deploymentKey, file, process, cancellationToken);
            deployed.Add(result);
            models.Add((result.ProcessDefinitionKey, process));
        }
        var decisions = await DecisionDeployment.DeployAsync(connection, transaction, tenant, deploymentKey,
            [.. files.Where(f => f.Decisions is not null).Select(f => (f.Name, f.Checksum, f.Decisions!))],
            importable.Values.ToDictionary<(long Key, DecisionRequirements Model), DecisionRequirements, long>(i => i.Model, i => i.Key, ReferenceEqualityComparer.Instance), cancellationToken);
        var forms = await FormDeployment.DeployAsync(connection, transaction, tenant, deploymentKey,
            [.. files.Where(f => f.FormId is not null).Select(f => (f.Name, f.Checksum, f.FormId!))], cancellationToken);
        if (deployedBy is not null)
        {
            var details = new JsonObject
            {
                ["tenantId"] = tenant,
                ["resources"] = new JsonArray([.. files.Select(f => (JsonNode)f.Name)]),
                ["processes"] = new JsonArray([.. deployed.Select(p => (JsonNode)new JsonObject
                {
                    ["processDefinitionId"] = p.BpmnProcessId, ["version"] = p.Version, ["processDefinitionKey"] = p.ProcessDefinitionKey.ToString(CultureInfo.InvariantCulture),
                    ["unchanged"] = p.IsDuplicate,
                })]),
            };
            await AuditRows.InsertAsync(connection, transaction, new AuditRow(deployedBy, "deployment.created", "deployment",
                deploymentKey.ToString(CultureInfo.InvariantCulture), details.ToJsonString()), cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);

        foreach (var (key, model) in models)
        {
            _definitions.Remember(key, model);
        }
        return new DeploymentResult.Deployed(deploymentKey, deployed.ToImmutable(), [.. problems])
        {
            Decisions = decisions.Decisions,
            DecisionRequirements = decisions.Requirements,
            Forms = forms,
            TenantId = tenant,
        };
    }

    private static async Task<DeployedProcess> DeployProcessAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string tenant, long deploymentKey, ReadFile file, ExecutableProcess process,
        CancellationToken cancellationToken)
    {
        var latest = await connection.QuerySingleOrDefaultAsync<LatestVersion>(new CommandDefinition("""
            SELECT process_definition_key AS Key, version AS Version, checksum AS Checksum FROM process_definition
            WHERE tenant_id = @tenant AND bpmn_process_id = @Id AND deleted_at IS NULL ORDER BY version DESC LIMIT 1
            """, new { tenant, process.Id }, transaction, cancellationToken: cancellationToken));
        if (latest is { } existing && existing.Checksum == file.Checksum)
        {
            return new DeployedProcess(process.Id, existing.Version, existing.Key, file.Name, IsDuplicate: true);
        }
        var key = await NextKeyAsync(connection, transaction, cancellationToken);
        // Deleted versions keep their numbers: a redeploy after a deletion gets a new one, as in Zeebe.
        var version = await connection.ExecuteScalarAsync<int>(new CommandDefinition(
            "SELECT coalesce(max(version), 0) + 1 FROM process_definition WHERE tenant_id = @tenant AND bpmn_process_id = @Id",
            new { tenant, process.Id }, transaction, cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO process_definition
                (process_definition_key, bpmn_process_id, version, name, version_tag, resource_name, checksum, deployment_key, tenant_id, start_form_id,
                 element_names)
            VALUES (@key, @Id, @version, @Name, @VersionTag, @ResourceName, @Checksum, @deploymentKey, @tenant, @startFormId, @elementNames::jsonb)
            """, new
            {
                key, process.Id, version, process.Name, process.VersionTag, ResourceName = file.Name, file.Checksum, deploymentKey, tenant,
                // What the start page and hasStartForm say: the form of the plain start event, as StartQueries reads it.
                startFormId = process.Scope.StartEvents.FirstOrDefault(e => e.EventKind == Bpmn.Executable.EventDefinitionKind.None)?.StartFormId,
                // Element instances sort and filter by name in SQL (elementName); unnamed elements go by their id there.
                elementNames = System.Text.Json.JsonSerializer.Serialize(process.Elements.Where(e => !string.IsNullOrWhiteSpace(e.Value.Name))
                    .ToDictionary(e => e.Key, e => e.Value.Name!, StringComparer.Ordinal)),
            },
            transaction, cancellationToken: cancellationToken));
        return new DeployedProcess(process.Id, version, key, file.Name, IsDuplicate: false);
    }

    /// <summary>
    /// Every problem a deployment of <paramref name="resources"/> would report (the same reader and validator, FEEL and
    /// timer syntax included), without storing anything: the designer's check while drawing.
    /// </summary>
    public IReadOnlyList<DeploymentProblem> Validate(IReadOnlyList<DeploymentResource> resources)
    {
        ArgumentNullException.ThrowIfNull(resources);
        return Read(resources, null).Problems;
    }

    /// <summary>
    /// A definition's key, from the engine's own key sequence: a key names one thing only, across definitions and
    /// everything the engine creates. (The old <c>definition_key</c> sequence started 51 keys below <c>engine_key</c>
    /// and ran into its range once an installation had deployed more than 51 resources.) The value is the start of a
    /// block of 100 that no host's key generator hands out, so it is unique; the rest of the block stays unused.
    /// </summary>
    internal static Task<long> NextKeyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT nextval('engine_key')", transaction: transaction, cancellationToken: cancellationToken));

    /// <summary>
    /// The tenant's deployed models that DMN imports of <paramref name="resources"/> name and the deployment does not
    /// hold: the latest decision requirements with each namespace (Camunda 8.8 has no DMN imports to follow).
    /// </summary>
    private async Task<Dictionary<string, (long Key, DecisionRequirements Model)>> ImportableAsync(
        IReadOnlyList<DeploymentResource> resources, string tenant, CancellationToken cancellationToken)
    {
        var headers = resources.Where(r => r.Name is not null && IsDmn(r.Name)).Select(r => DmnImports.Header(r.Content, _readOptions)).ToList();
        var held = headers.Select(h => h?.Namespace).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var wanted = headers.SelectMany(h => h?.Imports ?? []).Where(ns => !held.Contains(ns)).ToHashSet(StringComparer.Ordinal);
        return await _deployedDecisions.FindImportableAsync(tenant, wanted, cancellationToken);
    }

    /// <summary>Reads and validates every resource before anything is stored; all problems of all files together.</summary>
    /// <param name="importable">Deployed DMN models by namespace; null when unknown (then imports outside the deployment are not checked).</param>
    private (List<ReadFile> Files, List<DeploymentProblem> Problems) Read(IReadOnlyList<DeploymentResource> resources,
        IReadOnlyDictionary<string, DecisionRequirements>? importable)
    {
        var files = new List<ReadFile>();
        var problems = new List<DeploymentProblem>();
        if (resources.Count == 0)
        {
            problems.Add(new DeploymentProblem("", new ModelProblem(ProblemSeverity.Error, "The deployment contains no resources.")));
        }
        var names = new HashSet<string>(StringComparer.Ordinal);
        var processOwners = new Dictionary<string, string>(StringComparer.Ordinal);
        var decisionOwners = new Dictionary<string, string>(StringComparer.Ordinal);
        var formOwners = new Dictionary<string, string>(StringComparer.Ordinal);
        var dmn = DmnFileSet.Read([.. resources.Where(r => r.Name is not null && IsDmn(r.Name.Trim()) && !r.Name.Contains('\0', StringComparison.Ordinal))
            .DistinctBy(r => r.Name!.Trim(), StringComparer.Ordinal).Select(r => (r.Name!.Trim(), r.Content))], _readOptions, importable);
        foreach (var resource in resources)
        {
            var name = resource.Name?.Trim() ?? "";
            if (name.Contains('\0', StringComparison.Ordinal))
            {
                problems.Add(new DeploymentProblem(name.Replace("\0", "\\u0000", StringComparison.Ordinal), new ModelProblem(ProblemSeverity.Error,
                    "The resource name contains a NUL character (\\u0000), which a name cannot hold.")));
                continue;
            }
            if (name.Length == 0 || !names.Add(name))
            {
                problems.Add(new DeploymentProblem(name, new ModelProblem(ProblemSeverity.Error, name.Length == 0
                    ? "A resource has no name; the name (e.g. order.bpmn) decides how it is read."
                    : "Two resources of the deployment have this name; resource names must be unique.")));
                continue;
            }
            var checksum = Convert.ToHexStringLower(SHA256.HashData(resource.Content.Span));
            if (IsDmn(name))
            {
                var read = dmn[name];
                problems.AddRange(read.Problems.Select(p => new DeploymentProblem(name, p)));
                foreach (var decision in read.Requirements?.Decisions ?? [])
                {
                    if (!decisionOwners.TryAdd(decision.Id, name))
                    {
                        problems.Add(new DeploymentProblem(name, new ModelProblem(ProblemSeverity.Error,
                            $"The decision id '{decision.Id}' is also defined in '{decisionOwners[decision.Id]}'; a deployment can hold each decision id once.",
                            decision.Id, "decision", decision.Line)));
                    }
                }
                files.Add(new ReadFile(name, resource.Content, checksum, [], read.Requirements));
                continue;
            }
            if (FormDeployment.IsForm(name) && resource.Content.Length <= _readOptions.MaxSizeBytes)
            {
                var (formId, formProblems) = FormDeployment.Read(resource.Content);
                if (formProblems.Count > 0)
                {
                    problems.AddRange(formProblems.Select(p => new DeploymentProblem(name, p)));
                }
                else if (!formOwners.TryAdd(formId!, name))
                {
                    problems.Add(new DeploymentProblem(name, new ModelProblem(ProblemSeverity.Error,
                        $"The form id '{formId}' is also defined in '{formOwners[formId!]}'; a deployment can hold each form id once.")));
                }
                files.Add(new ReadFile(name, resource.Content, checksum, [], null) { FormId = formId });
                continue;
            }
            if (!IsBpmn(name))
            {
                // Only forms reach here besides unknown files, and only when over the size limit. An unknown file used
                // to deploy as an empty deployment (a .exe "succeeded"); as in Zeebe, it is refused by its name.
                problems.Add(new DeploymentProblem(name, new ModelProblem(ProblemSeverity.Error, FormDeployment.IsForm(name)
                    ? $"The resource is larger than the limit of {_readOptions.MaxSizeBytes} bytes."
                    : "Unknown resource type: the name must end in .bpmn, .bpmn20.xml, .dmn or .form (the name decides how a resource is read).")));
                continue;
            }
            var result = BpmnReader.Read(resource.Content, _readOptions);
            problems.AddRange(result.Problems.Select(p => new DeploymentProblem(name, p)));
            foreach (var process in result.Processes)
            {
                if (!processOwners.TryAdd(process.Id, name))
                {
                    problems.Add(new DeploymentProblem(name, new ModelProblem(ProblemSeverity.Error,
                        $"The process id '{process.Id}' is also defined in '{processOwners[process.Id]}'; a deployment can hold each process id once.",
                        process.Id, "process")));
                }
            }
            files.Add(new ReadFile(name, resource.Content, checksum, result.Processes, null));
        }
        return (files, problems);
    }

    private static bool IsBpmn(string name) =>
        name.EndsWith(".bpmn", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".bpmn20.xml", StringComparison.OrdinalIgnoreCase);

    private static bool IsDmn(string name) => name.EndsWith(".dmn", StringComparison.OrdinalIgnoreCase);

    private sealed record LatestVersion(long Key, int Version, string Checksum);

    private sealed record ReadFile(
        string Name, ReadOnlyMemory<byte> Content, string Checksum, ImmutableArray<ExecutableProcess> Processes, DecisionRequirements? Decisions)
    {
        /// <summary>For a <c>.form</c> file: its form id.</summary>
        public string? FormId { get; init; }
    }
}
