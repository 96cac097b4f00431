using System.Text.Json.Nodes;
using Processes.Engine.Dmn;

namespace Processes.Engine.Execution;

/// <summary>One evaluated decision as stored (Camunda's decision instance); inputs and matched rules in Camunda's JSON shape.</summary>
internal sealed record DecisionInstanceWrite(
    long Key, long EvaluationKey, long DecisionDefinitionKey, string DecisionId, string? Name, int Version, string Type, long DecisionRequirementsKey,
    string State, string? Failure, string? Result, string Inputs, string MatchedRules, DateTimeOffset EvaluatedAt, long? ProcessInstanceKey,
    long? ProcessDefinitionKey, long? ElementInstanceKey, string TenantId);

/// <summary>
/// An evaluation becomes one decision instance per decision it evaluated (required decisions first, as evaluated),
/// and one FAILED instance for the decision that failed, with the failure.
/// </summary>
internal static class DecisionInstances
{
    public static List<DecisionInstanceWrite> Rows(DecisionEvaluation e, DeployedDecisionGraph graph, KeyGenerator keys, DateTimeOffset at,
        long? processInstanceKey = null, long? processDefinitionKey = null, long? elementInstanceKey = null)
    {
        var rows = new List<DecisionInstanceWrite>();
        var failedId = e.Failure is null ? null : e.FailedDecisionId ?? e.DecisionId;
        foreach (var d in e.Evaluated)
        {
            var failed = d.DecisionId == failedId;
            rows.Add(new DecisionInstanceWrite(keys.Next(), e.EvaluationKey, d.DecisionDefinitionKey, d.DecisionId, d.Name, d.Version, d.DecisionType,
                e.DecisionRequirementsKey, failed ? "FAILED" : "EVALUATED", failed ? e.Failure : null, failed ? null : d.Output?.ToJsonString() ?? "null",
                Inputs(d), Rules(d), at, processInstanceKey, processDefinitionKey, elementInstanceKey, e.TenantId));
        }
        if (failedId is not null && e.Evaluated.All(d => d.DecisionId != failedId))
        {
            var info = graph.Decisions.GetValueOrDefault(failedId);
            var decision = graph.Model.Find(failedId);
            rows.Add(new DecisionInstanceWrite(keys.Next(), e.EvaluationKey, info?.DecisionDefinitionKey ?? e.DecisionDefinitionKey, failedId,
                decision?.Name ?? info?.Name, info?.Version ?? e.Version, decision?.DecisionType ?? "UNSPECIFIED", e.DecisionRequirementsKey, "FAILED",
                e.Failure, null, "[]", "[]", at, processInstanceKey, processDefinitionKey, elementInstanceKey, e.TenantId));
        }
        return rows;
    }

    private static string Inputs(EvaluatedDecisionView d) => new JsonArray([.. d.Inputs.Select(i => (JsonNode)new JsonObject
    {
        ["inputId"] = i.InputId,
        ["inputName"] = i.InputName,
        ["inputValue"] = i.Value?.ToJsonString() ?? "null",
        // Kept for the read side: an input read from a sensitive variable is masked by that variable's name.
        ["expression"] = i.Expression,
    })]).ToJsonString();

    private static string Rules(EvaluatedDecisionView d) => new JsonArray([.. d.MatchedRules.Select(m => (JsonNode)new JsonObject
    {
        ["ruleId"] = m.RuleId,
        ["ruleIndex"] = m.RuleIndex,
        ["evaluatedOutputs"] = new JsonArray([.. m.Outputs.Select(o => (JsonNode)new JsonObject
        {
            ["outputId"] = o.OutputId,
            ["outputName"] = o.OutputName,
            ["outputValue"] = o.Value?.ToJsonString() ?? "null",
        })]),
    })]).ToJsonString();
}
