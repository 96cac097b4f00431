using System.Collections.Immutable;
using Dapper;
using Npgsql;
using Processes.Engine.Deployment;

namespace Processes.Engine.Dmn;

/// <summary>
/// The DMN part of a deployment, inside its transaction: each file's DRG id and each decision id get their next
/// version, unless the file is unchanged since the latest version (then the existing version is reported).
/// </summary>
internal static class DecisionDeployment
{
    // First key of the two-key advisory lock, apart from the process ids' "PROC".
    private const int DecisionIdLockSpace = 0x44454349; // "DECI"

    public static async Task<(ImmutableArray<DeployedDecision> Decisions, ImmutableArray<DeployedDecisionRequirements> Requirements)> DeployAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string tenant, long deploymentKey,
        IReadOnlyList<(string ResourceName, string Checksum, DecisionRequirements Drg)> files, IReadOnlyDictionary<DecisionRequirements, long> importable,
        CancellationToken cancellationToken)
    {
        // Versions are "latest + 1": lock every id in order, as process deployment does, so concurrent deployments take turns.
        var lockIds = files.SelectMany(f => f.Drg.Decisions.Select(d => "decision:" + d.Id).Append("drg:" + f.Drg.Id)).Distinct().Order(StringComparer.Ordinal);
        foreach (var id in lockIds)
        {
            await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_xact_lock(@DecisionIdLockSpace, hashtext(@tenant || chr(31) || @id))",
                new { DecisionIdLockSpace, tenant, id }, transaction, cancellationToken: cancellationToken));
        }
        var decisions = ImmutableArray.CreateBuilder<DeployedDecision>();
        var requirements = ImmutableArray.CreateBuilder<DeployedDecisionRequirements>();
        // Imported models are deployed before the files importing them, so each import is stored as the key it resolved to.
        var keys = new Dictionary<DecisionRequirements, long>(importable, ReferenceEqualityComparer.Instance);
        foreach (var (resourceName, checksum, drg) in ImportsFirst(files))
        {
            long[] imported = [.. drg.Imported.Values.Select(m => keys[m]).Distinct().Order()];
            var deployedDrg = await DeployRequirementsAsync(connection, transaction, tenant, deploymentKey, resourceName, checksum, drg, imported, cancellationToken);
            keys[drg] = deployedDrg.DecisionRequirementsKey;
            requirements.Add(deployedDrg);
            foreach (var decision in drg.Decisions)
            {
                decisions.Add(await DeployDecisionAsync(connection, transaction, tenant, deploymentKey, resourceName, checksum, decision, deployedDrg, cancellationToken));
            }
        }
        return (decisions.ToImmutable(), requirements.ToImmutable());
    }

    /// <summary>The files in an order where every file comes after the files of the deployment it imports (the reader refused cycles).</summary>
    private static List<(string ResourceName, string Checksum, DecisionRequirements Drg)> ImportsFirst(
        IReadOnlyList<(string ResourceName, string Checksum, DecisionRequirements Drg)> files)
    {
        var ordered = new List<(string, string, DecisionRequirements)>();
        var placed = new HashSet<DecisionRequirements>(ReferenceEqualityComparer.Instance);
        void Place((string ResourceName, string Checksum, DecisionRequirements Drg) file)
        {
            if (!placed.Add(file.Drg))
            {
                return;
            }
            foreach (var imported in files.Where(f => file.Drg.Imported.Values.Contains(f.Drg, ReferenceEqualityComparer.Instance)))
            {
                Place(imported);
            }
            ordered.Add(file);
        }
        foreach (var file in files)
        {
            Place(file);
        }
        return ordered;
    }

    private static async Task<DeployedDecisionRequirements> DeployRequirementsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        string tenant, long deploymentKey, string resourceName, string checksum, DecisionRequirements drg, long[] imported, CancellationToken cancellationToken)
    {
        var latest = await connection.QuerySingleOrDefaultAsync<LatestRequirements>(new CommandDefinition("""
            SELECT decision_requirements_key AS Key, version AS Version, checksum AS Checksum, imported_keys AS ImportedKeys FROM decision_requirements
            WHERE tenant_id = @tenant AND decision_requirements_id = @Id AND deleted_at IS NULL ORDER BY version DESC LIMIT 1
            """, new { tenant, drg.Id }, transaction, cancellationToken: cancellationToken));
        // An unchanged file whose imports now resolve to other versions is a new version: it evaluates differently.
        if (latest is { } existing && existing.Checksum == checksum && existing.ImportedKeys.SequenceEqual(imported))
        {
            // Rows from before imports lack the namespace; the file says it.
            await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE decision_requirements SET namespace = @Namespace WHERE decision_requirements_key = @Key AND namespace IS NULL",
                new { drg.Namespace, existing.Key }, transaction, cancellationToken: cancellationToken));
            return new DeployedDecisionRequirements(drg.Id, drg.Name, existing.Version, existing.Key, resourceName, IsDuplicate: true);
        }
        var key = await DeploymentService.NextKeyAsync(connection, transaction, cancellationToken);
        var version = await connection.ExecuteScalarAsync<int>(new CommandDefinition(
            "SELECT coalesce(max(version), 0) + 1 FROM decision_requirements WHERE tenant_id = @tenant AND decision_requirements_id = @Id",
            new { tenant, drg.Id }, transaction, cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO decision_requirements
                (decision_requirements_key, decision_requirements_id, version, name, resource_name, checksum, deployment_key, tenant_id, namespace, imported_keys)
            VALUES (@key, @Id, @version, @Name, @resourceName, @checksum, @deploymentKey, @tenant, @Namespace, @imported)
            """, new { key, drg.Id, version, drg.Name, resourceName, checksum, deploymentKey, tenant, drg.Namespace, imported },
            transaction, cancellationToken: cancellationToken));
        return new DeployedDecisionRequirements(drg.Id, drg.Name, version, key, resourceName, IsDuplicate: false);
    }

    private static async Task<DeployedDecision> DeployDecisionAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string tenant, long deploymentKey,
        string resourceName, string checksum, ExecutableDecision decision, DeployedDecisionRequirements drg, CancellationToken cancellationToken)
    {
        var latest = await connection.QuerySingleOrDefaultAsync<Latest>(new CommandDefinition("""
            SELECT decision_definition_key AS Key, version AS Version, checksum AS Checksum FROM decision_definition
            WHERE tenant_id = @tenant AND decision_id = @Id AND deleted_at IS NULL ORDER BY version DESC LIMIT 1
            """, new { tenant, decision.Id }, transaction, cancellationToken: cancellationToken));
        if (latest is { } existing && existing.Checksum == checksum && drg.IsDuplicate)
        {
            return new DeployedDecision(decision.Id, decision.Name, existing.Version, existing.Key, drg.DecisionRequirementsId, drg.DecisionRequirementsKey,
                resourceName, IsDuplicate: true);
        }
        var key = await DeploymentService.NextKeyAsync(connection, transaction, cancellationToken);
        var version = await connection.ExecuteScalarAsync<int>(new CommandDefinition(
            "SELECT coalesce(max(version), 0) + 1 FROM decision_definition WHERE tenant_id = @tenant AND decision_id = @Id",
            new { tenant, decision.Id }, transaction, cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO decision_definition (decision_definition_key, decision_id, version, name, decision_requirements_key,
                decision_requirements_id, resource_name, checksum, deployment_key, tenant_id)
            VALUES (@key, @Id, @version, @Name, @DecisionRequirementsKey, @DecisionRequirementsId, @resourceName, @checksum, @deploymentKey, @tenant)
            """, new { key, decision.Id, version, decision.Name, drg.DecisionRequirementsKey, drg.DecisionRequirementsId, resourceName, checksum, deploymentKey, tenant },
            transaction, cancellationToken: cancellationToken));
        return new DeployedDecision(decision.Id, decision.Name, version, key, drg.DecisionRequirementsId, drg.DecisionRequirementsKey, resourceName, IsDuplicate: false);
    }

    private sealed record Latest(long Key, int Version, string Checksum);

    // Dapper reads bigint[] only into a settable property, not through a constructor.
    private sealed class LatestRequirements
    {
        public long Key { get; set; }

        public int Version { get; set; }

        public string Checksum { get; set; } = "";

#pragma warning disable CA1819 // Dapper's row type: the bigint[] column.
        public long[] ImportedKeys { get; set; } = [];
#pragma warning restore CA1819
    }
}
