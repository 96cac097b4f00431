using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Processes.Engine.Execution;
using Processes.Engine.Execution.Modification;
using Processes.Host.Audit;
using Processes.Host.Identity;

namespace Processes.Host.Camunda;

/// <summary>Camunda's modification body: elements to activate (with variables and an ancestor) and element instances to terminate.</summary>
public sealed record ModificationRequest(
    string? OperationReference, IReadOnlyList<ActivateInstructionRequest?>? ActivateInstructions, IReadOnlyList<TerminateInstructionRequest?>? TerminateInstructions);

public sealed record ActivateInstructionRequest(string? ElementId, IReadOnlyList<VariableInstructionRequest?>? VariableInstructions, string? AncestorElementInstanceKey);

public sealed record VariableInstructionRequest(JsonElement? Variables, string? ScopeId);

public sealed record TerminateInstructionRequest(string? ElementInstanceKey);

/// <summary>
/// <c>POST /v2/process-instances/{key}/modification</c> (operators, as cancellation): one engine command, one transaction,
/// audited; 204, or 400 naming the instruction that is wrong, 404 for an instance that ended or is not visible.
/// </summary>
internal static class ProcessInstanceModificationApi
{
    public static IEndpointRouteBuilder MapProcessInstanceModificationApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v2/process-instances/{key}/modification", ModifyAsync).RequireAuthorization(Policies.Operator).WithTags("Process instances");
        return app;
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> ModifyAsync(string key, ModificationRequest? request, HttpContext http,
        IProcessEngine engine, CancellationToken cancellationToken)
    {
        if (!CamundaResults.TryKey(key, out var instanceKey))
        {
            return CamundaResults.BadRequest($"'{key}' is not a process instance key.");
        }
        if (!TryPlan(request, "", out var plan, out var problem))
        {
            return problem!;
        }
        var result = await engine.ModifyInstanceAsync(http.User.Caller(), instanceKey, plan!, AuditEntry.ActorFor(http), cancellationToken);
        return result.Ok ? TypedResults.NoContent() : CamundaResults.Refused(result);
    }

    /// <summary>Reads the instructions (also a batch's), naming the first wrong field by its path.</summary>
    public static bool TryPlan(ModificationRequest? request, string prefix, out ModificationPlan? plan, out ProblemHttpResult? problem)
    {
        plan = null;
        problem = null;
        if (request is null || (request.ActivateInstructions is not { Count: > 0 } && request.TerminateInstructions is not { Count: > 0 }))
        {
            problem = CamundaResults.BadRequest($"{prefix}activateInstructions or {prefix}terminateInstructions must name at least one instruction.");
            return false;
        }
        var activations = new List<ModificationActivation>();
        for (var i = 0; i < (request.ActivateInstructions?.Count ?? 0); i++)
        {
            var path = $"{prefix}activateInstructions[{i}]";
            var instruction = request.ActivateInstructions![i];
            if (instruction is null || string.IsNullOrWhiteSpace(instruction.ElementId))
            {
                problem = CamundaResults.BadRequest($"{path}.elementId is required.");
                return false;
            }
            long? ancestor = null;
            if (instruction.AncestorElementInstanceKey is { } text && text != "-1")
            {
                if (!CamundaResults.TryKey(text, out var parsed))
                {
                    problem = CamundaResults.BadRequest($"{path}.ancestorElementInstanceKey: '{text}' is not an element instance key.");
                    return false;
                }
                ancestor = parsed;
            }
            var variables = new List<ModificationVariables>();
            for (var j = 0; j < (instruction.VariableInstructions?.Count ?? 0); j++)
            {
                var field = $"{path}.variableInstructions[{j}]";
                var variableInstruction = instruction.VariableInstructions![j];
                if (variableInstruction?.Variables is null)
                {
                    problem = CamundaResults.BadRequest($"{field}.variables is required.");
                    return false;
                }
                if (!CamundaResults.TryVariables(variableInstruction.Variables, $"{field}.variables", out var values, out problem))
                {
                    return false;
                }
                variables.Add(new ModificationVariables(values ?? [], string.IsNullOrEmpty(variableInstruction.ScopeId) ? null : variableInstruction.ScopeId));
            }
            activations.Add(new ModificationActivation(instruction.ElementId, ancestor, variables));
        }
        var terminations = new List<long>();
        for (var i = 0; i < (request.TerminateInstructions?.Count ?? 0); i++)
        {
            var text = request.TerminateInstructions![i]?.ElementInstanceKey;
            if (!CamundaResults.TryKey(text, out var elementInstanceKey))
            {
                problem = CamundaResults.BadRequest(
                    $"{prefix}terminateInstructions[{i}].elementInstanceKey: '{text}' is not an element instance key.");
                return false;
            }
            terminations.Add(elementInstanceKey);
        }
        plan = new ModificationPlan(activations, terminations);
        return true;
    }
}
