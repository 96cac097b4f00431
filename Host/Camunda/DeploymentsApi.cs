using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Processes.Engine.Deployment;
using Processes.Engine.Execution;
using Processes.Host.Identity;
using Processes.Host.Tenants;

namespace Processes.Host.Camunda;

public sealed record DeployedProcessDefinition(string ProcessDefinitionId, int ProcessDefinitionVersion, string ResourceName, string TenantId, string ProcessDefinitionKey);

public sealed record DeployedDecisionDefinition(
    string DecisionDefinitionId, int Version, string? Name, string TenantId, string DecisionRequirementsId, string DecisionDefinitionKey, string DecisionRequirementsKey);

public sealed record DeployedDecisionRequirements(
    string DecisionRequirementsId, int Version, string? DecisionRequirementsName, string TenantId, string ResourceName, string DecisionRequirementsKey);

public sealed record DeployedFormItem(string FormId, int Version, string ResourceName, string TenantId, string FormKey);

/// <summary>One deployed thing, as Camunda lists them: exactly one of the properties is set.</summary>
public sealed record DeploymentItem(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DeployedProcessDefinition? ProcessDefinition,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DeployedDecisionDefinition? DecisionDefinition = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DeployedDecisionRequirements? DecisionRequirements = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DeployedFormItem? Form = null);

public sealed record DeploymentResponse(string DeploymentKey, string TenantId, IReadOnlyList<DeploymentItem> Deployments);

/// <summary>POST /v2/deployments: multipart <c>resources</c>, all or nothing; unchanged content keeps its version.</summary>
internal static class DeploymentsApi
{
    private const long MaxRequestBytes = 20 * 1024 * 1024;

    public static IEndpointRouteBuilder MapDeploymentsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v2/deployments", DeployAsync)
            .RequireAuthorization(Policies.Designer)
            .DisableAntiforgery()
            .WithMetadata(new RequestSizeLimitAttribute(MaxRequestBytes))
            .WithTags("Deployments");
        return app;
    }

    private static async Task<Results<Ok<DeploymentResponse>, ProblemHttpResult>> DeployAsync(
        HttpRequest request, DeploymentService deployments, IProcessEngine engine, TenantRequests tenantRequests, CancellationToken cancellationToken)
    {
        if (!request.HasFormContentType)
        {
            return CamundaResults.BadRequest("Send the files as multipart/form-data, each in a part named 'resources'.");
        }
        var form = await request.ReadFormAsync(cancellationToken);
        if (NulInParts(form) is { } nul)
        {
            return CamundaResults.BadRequest(nul);
        }
        var files = form.Files.GetFiles("resources");
        if (files.Count == 0)
        {
            return CamundaResults.BadRequest("No resources: send at least one file in a multipart part named 'resources'.");
        }
        var (target, tenantProblem) = await tenantRequests.TargetAsync(request.HttpContext.User, form["tenantId"].FirstOrDefault(), "tenantId", cancellationToken);
        if (tenantProblem is not null)
        {
            return tenantProblem;
        }
        var resources = new List<DeploymentResource>();
        foreach (var file in files)
        {
            using var stream = new MemoryStream();
            await file.CopyToAsync(stream, cancellationToken);
            resources.Add(new DeploymentResource(file.FileName, stream.ToArray()));
        }
        var result = await deployments.DeployByAsync(resources, Audit.AuditEntry.ActorFor(request.HttpContext), target, cancellationToken);
        if (result is DeploymentResult.Rejected rejected)
        {
            var problem = new ProblemDetails
            {
                Status = StatusCodes.Status400BadRequest,
                Title = "INVALID_ARGUMENT",
                Detail = "The deployment was rejected: " + string.Join("; ", rejected.Errors.Select(e => e.ToString())),
            };
            problem.Extensions["problems"] = rejected.Problems.Select(p => new
            {
                resource = p.ResourceName,
                elementId = p.Problem.ElementId,
                elementType = p.Problem.ElementType,
                line = p.Problem.Line,
                column = p.Problem.Column,
                // In a decision table: the rule (1-based) and the input or output column the problem is in.
                ruleIndex = p.Problem.RuleIndex,
                columnId = p.Problem.ColumnId,
                severity = p.Problem.IsError ? "error" : "warning",
                message = p.Problem.Message,
            }).ToList();
            return TypedResults.Problem(problem);
        }
        var deployed = (DeploymentResult.Deployed)result;
        // Start events follow the latest version (idempotent; re-run at every host start as well).
        await engine.SyncStartEventsAsync([.. deployed.Processes.Select(p => p.BpmnProcessId)], cancellationToken);
        var tenant = deployed.TenantId;
        IEnumerable<DeploymentItem> items = [
            .. deployed.Processes.Select(p => new DeploymentItem(new DeployedProcessDefinition(
                p.BpmnProcessId, p.Version, p.ResourceName, tenant, CamundaResults.Key(p.ProcessDefinitionKey)))),
            .. deployed.Decisions.Select(d => new DeploymentItem(null, DecisionDefinition: new DeployedDecisionDefinition(
                d.DecisionId, d.Version, d.Name, tenant, d.DecisionRequirementsId, CamundaResults.Key(d.DecisionDefinitionKey), CamundaResults.Key(d.DecisionRequirementsKey)))),
            .. deployed.DecisionRequirements.Select(r => new DeploymentItem(null, DecisionRequirements: new DeployedDecisionRequirements(
                r.DecisionRequirementsId, r.Version, r.Name, tenant, r.ResourceName, CamundaResults.Key(r.DecisionRequirementsKey)))),
            .. deployed.Forms.Select(f => new DeploymentItem(null, Form: new DeployedFormItem(
                f.FormId, f.Version, f.ResourceName, tenant, CamundaResults.Key(f.FormKey)))),
        ];
        return TypedResults.Ok(new DeploymentResponse(CamundaResults.Key(deployed.DeploymentKey), tenant, [.. items]));
    }

    /// <summary>
    /// The input policy reads JSON bodies only; a multipart body's names reach PostgreSQL as resource names, where a
    /// NUL used to end in a 500. Names the part (and the file) that carries one.
    /// </summary>
    private static string? NulInParts(IFormCollection form)
    {
        foreach (var file in form.Files)
        {
            if (file.Name.Contains('\0', StringComparison.Ordinal))
            {
                return $"The multipart part named '{Input.InputPolicy.Printable(file.Name)}' (file '{Input.InputPolicy.Printable(file.FileName)}') has a NUL character (\\u0000) in its name.";
            }
            if (file.FileName.Contains('\0', StringComparison.Ordinal))
            {
                return $"The file name '{Input.InputPolicy.Printable(file.FileName)}' of the multipart part '{Input.InputPolicy.Printable(file.Name)}' has a NUL character (\\u0000).";
            }
        }
        foreach (var (name, values) in form)
        {
            if (name.Contains('\0', StringComparison.Ordinal))
            {
                return $"The multipart field named '{Input.InputPolicy.Printable(name)}' has a NUL character (\\u0000) in its name.";
            }
            if (values.Any(v => v is not null && v.Contains('\0', StringComparison.Ordinal)))
            {
                return $"The multipart field '{Input.InputPolicy.Printable(name)}' has a NUL character (\\u0000) in its value.";
            }
        }
        return null;
    }
}
