using System.Text.Json.Nodes;
using Npgsql;
using Processes.Engine.Visibility;

namespace Processes.Engine.Queries;

/// <summary>A decision evaluated once (Camunda's decision instance), on its own or by a business-rule task.</summary>
public sealed class DecisionInstanceRow
{
    public long Key { get; init; }
    public long EvaluationKey { get; init; }
    public long DecisionDefinitionKey { get; init; }
    public string DecisionId { get; init; } = "";
    public string? DecisionName { get; init; }
    public int DecisionVersion { get; init; }
    public string DecisionType { get; init; } = "";
    public long DecisionRequirementsKey { get; init; }
    /// <summary>EVALUATED or FAILED.</summary>
    public string State { get; init; } = "";
    public string? EvaluationFailure { get; init; }
    /// <summary>The output as JSON text (null for a failed decision).</summary>
    public string? Result { get; set; }
    /// <summary>Camunda's evaluatedInputs as JSON text.</summary>
    public string Inputs { get; set; } = "[]";
    /// <summary>Camunda's matchedRules as JSON text.</summary>
    public string MatchedRules { get; set; } = "[]";
    public DateTime EvaluatedAt { get; init; }
    public long? ProcessInstanceKey { get; init; }
    public long? ProcessDefinitionKey { get; init; }
    public long? ElementInstanceKey { get; init; }
    public string TenantId { get; init; } = TenantIds.Default;
}

/// <summary>
/// Decision instances the caller may see: one of a business-rule task by its case's visibility, one evaluated on its
/// own (no case) by the tenant, as decision definitions are.
/// </summary>
public sealed class DecisionInstanceQueries(NpgsqlDataSource dataSource, VariableMasking? masking = null)
{
    public static ReadModel<DecisionInstanceRow> Model { get; } = new(
        "decision instances",
        """
        di.key AS Key, di.evaluation_key AS EvaluationKey, di.decision_definition_key AS DecisionDefinitionKey, di.decision_id AS DecisionId,
        di.decision_name AS DecisionName, di.decision_version AS DecisionVersion, di.decision_type AS DecisionType,
        di.decision_requirements_key AS DecisionRequirementsKey, di.state AS State, di.evaluation_failure AS EvaluationFailure, di.result::text AS Result,
        di.inputs::text AS Inputs, di.matched_rules::text AS MatchedRules, di.evaluated_at AS EvaluatedAt, di.process_instance_key AS ProcessInstanceKey,
        di.process_definition_key AS ProcessDefinitionKey, di.element_instance_key AS ElementInstanceKey, di.tenant_id AS TenantId
        """,
        "decision_instance di",
        new QueryField("decisionEvaluationInstanceKey", "di.key", FieldType.Key), r => r.Key,
        (caller, parameters) =>
            $"((di.process_instance_key IS NULL AND {VisibilityRule.Tenant(caller, "di.tenant_id", parameters)}) OR " +
            $"(di.process_instance_key IS NOT NULL AND {VisibilityRule.OfInstance(caller, "di.process_instance_key", parameters)}))",
        [
            (new QueryField("decisionEvaluationKey", "di.evaluation_key", FieldType.Key), r => r.EvaluationKey),
            (new QueryField("decisionDefinitionKey", "di.decision_definition_key", FieldType.Key), r => r.DecisionDefinitionKey),
            (new QueryField("decisionDefinitionId", "di.decision_id", FieldType.Text), r => r.DecisionId),
            (new QueryField("decisionDefinitionName", "COALESCE(di.decision_name, di.decision_id)", FieldType.Text), r => r.DecisionName ?? r.DecisionId),
            (new QueryField("decisionDefinitionVersion", "di.decision_version", FieldType.Integer), r => (long)r.DecisionVersion),
            (new QueryField("decisionDefinitionType", "di.decision_type", FieldType.Text) { Vocabulary = s => s.ToUpperInvariant(), VocabularyHint = "DECISION_TABLE, LITERAL_EXPRESSION, UNSPECIFIED, UNKNOWN" }, r => r.DecisionType),
            (new QueryField("state", "di.state", FieldType.Text) { Vocabulary = s => s.ToUpperInvariant(), VocabularyHint = "EVALUATED, FAILED, UNSPECIFIED, UNKNOWN" }, r => r.State),
            (new QueryField("evaluationFailure", "di.evaluation_failure", FieldType.Text), r => r.EvaluationFailure),
            (new QueryField("evaluationDate", "di.evaluated_at", FieldType.Date), r => r.EvaluatedAt),
            (new QueryField("processInstanceKey", "di.process_instance_key", FieldType.Key), r => r.ProcessInstanceKey),
            (new QueryField("processDefinitionKey", "di.process_definition_key", FieldType.Key), r => r.ProcessDefinitionKey),
            (new QueryField("elementInstanceKey", "di.element_instance_key", FieldType.Key), r => r.ElementInstanceKey),
            (new QueryField("tenantId", "di.tenant_id", FieldType.Text), r => r.TenantId),
        ])
    {
        DefaultSort = [new SortBy("evaluationDate")],
    };

    /// <summary>
    /// The decision instances the caller may see. Inputs and outputs are the case's variables under another name: each is
    /// masked as a variable of its input's (output's) name would be, and sensitive properties inside any value too.
    /// </summary>
    public async Task<QueryPage<DecisionInstanceRow>> SearchAsync(Caller caller, Query query, CancellationToken cancellationToken)
    {
        var page = await QuerySql.RunAsync(dataSource, Model, caller, query, cancellationToken);
        if (masking is { } mask && mask.AppliesTo(caller))
        {
            foreach (var row in page.Items)
            {
                row.Inputs = MaskEntries(mask, caller, row.Inputs, "inputId", "inputName", "inputValue");
                row.Result = mask.ApplyText(caller, "", row.Result);
                var rules = JsonNode.Parse(row.MatchedRules) as JsonArray ?? [];
                foreach (var rule in rules.OfType<JsonObject>())
                {
                    if (rule["evaluatedOutputs"] is JsonArray outputs)
                    {
                        rule["evaluatedOutputs"] = JsonNode.Parse(MaskEntries(mask, caller, outputs.ToJsonString(), "outputId", "outputName", "outputValue"));
                    }
                }
                row.MatchedRules = rules.ToJsonString();
            }
        }
        return page;
    }

    /// <summary>
    /// Entries whose value is JSON text in a string (Camunda's shape): masked whole when the entry's name, id or the
    /// variable path its expression reads names a sensitive variable, else with the sensitive properties inside masked.
    /// </summary>
    private static string MaskEntries(VariableMasking mask, Caller caller, string json, string idField, string nameField, string valueField)
    {
        var entries = JsonNode.Parse(json) as JsonArray ?? [];
        foreach (var entry in entries.OfType<JsonObject>())
        {
            if (entry[valueField]?.GetValue<string>() is not { } value)
            {
                continue;
            }
            var names = new List<string> { Text(entry, nameField), Text(entry, idField) };
            names.AddRange(Text(entry, "expression").Split('.', StringSplitOptions.TrimEntries));
            entry[valueField] = names.Any(mask.IsSensitive) ? JsonValue.Create(VariableMasking.Mask)!.ToJsonString() : mask.ApplyText(caller, "", value);
        }
        return entries.ToJsonString();
    }

    private static string Text(JsonObject entry, string field) => entry[field] is JsonValue v && v.TryGetValue<string>(out var text) ? text : "";

    /// <summary>The decision instance, if the caller may see it; null otherwise, whether it exists or not.</summary>
    public async Task<DecisionInstanceRow?> FindAsync(Caller caller, long key, CancellationToken cancellationToken)
    {
        var page = await SearchAsync(caller, Query.Where(new FieldCondition("decisionEvaluationInstanceKey", FilterOperator.Eq, key)) with
        {
            CountTotal = false,
            Page = new PageRequest(1),
        }, cancellationToken);
        return page.Items.Count == 0 ? null : page.Items[0];
    }
}
