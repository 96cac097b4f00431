using Npgsql;
using Processes.Engine.Execution;

namespace Processes.Engine.Storage;

/// <summary>Writes decision instances: a business-rule task's in its command's batch, an evaluation of its own in its own transaction.</summary>
internal static class DecisionInstanceStore
{
    public static void Add(NpgsqlBatch batch, IReadOnlyList<DecisionInstanceWrite> r)
    {
        if (r.Count == 0)
        {
            return;
        }
        ChangeWriter.Add(batch, """
            INSERT INTO decision_instance (key, evaluation_key, decision_definition_key, decision_id, decision_name, decision_version, decision_type,
                decision_requirements_key, state, evaluation_failure, result, inputs, matched_rules, evaluated_at, process_instance_key,
                process_definition_key, element_instance_key, tenant_id)
            SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::int[], $7::text[], $8::bigint[], $9::text[],
                $10::text[], $11::jsonb[], $12::jsonb[], $13::jsonb[], $14::timestamptz[], $15::bigint[], $16::bigint[], $17::bigint[], $18::text[])
            """,
            r.Select(x => x.Key).ToArray(), r.Select(x => x.EvaluationKey).ToArray(), r.Select(x => x.DecisionDefinitionKey).ToArray(),
            r.Select(x => x.DecisionId).ToArray(), r.Select(x => x.Name).ToArray(), r.Select(x => x.Version).ToArray(), r.Select(x => x.Type).ToArray(),
            r.Select(x => x.DecisionRequirementsKey).ToArray(), r.Select(x => x.State).ToArray(), r.Select(x => x.Failure).ToArray(),
            r.Select(x => x.Result).ToArray(), r.Select(x => x.Inputs).ToArray(), r.Select(x => x.MatchedRules).ToArray(),
            r.Select(x => x.EvaluatedAt).ToArray(), r.Select(x => x.ProcessInstanceKey).ToArray(), r.Select(x => x.ProcessDefinitionKey).ToArray(),
            r.Select(x => x.ElementInstanceKey).ToArray(), r.Select(x => x.TenantId).ToArray());
    }

    /// <summary>An evaluation of its own (the API's), recorded in its own transaction.</summary>
    public static async Task InsertAsync(NpgsqlDataSource dataSource, IReadOnlyList<DecisionInstanceWrite> rows, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection);
        Add(batch, rows);
        if (batch.BatchCommands.Count > 0)
        {
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }
    }
}
