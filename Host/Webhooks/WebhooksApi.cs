using Microsoft.AspNetCore.Mvc;
using Processes.Activities.Shared;
using Processes.Engine.Visibility;
using Processes.Engine.Webhooks;

namespace Processes.Host.Webhooks;

/// <summary>
/// <c>POST /webhooks/{path}</c>: sales platforms push orders to the webhooks the deployed models declare (see
/// <see cref="WebhookDeclaration"/>). Anonymous by design — a platform has no user here — but every call is signed:
/// the engine checks the HMAC (or API key) against a connector secret before it reads the body, so an unsigned call
/// starts nothing (401). <c>?tenantId=</c> picks the tenant whose models declare the path (default tenant without).
/// </summary>
internal static class WebhooksApi
{
    /// <summary>As for every anonymous body (the input policy holds JSON bodies to the same): nobody unknown makes the host buffer more.</summary>
    private const int MaxBodyBytes = 64 * 1024;

    public static IEndpointRouteBuilder MapWebhooksApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/webhooks/{**path}", ReceiveAsync).AllowAnonymous().WithTags("Webhooks").DisableAntiforgery();
        return app;
    }

    private static async Task<IResult> ReceiveAsync(string? path, string? tenantId, HttpContext http, WebhookReceiver webhooks, ConnectorSecrets secrets,
        CancellationToken cancellationToken)
    {
        var tenant = string.IsNullOrEmpty(tenantId) ? TenantIds.Default : tenantId;
        if (!TenantIds.IsValid(tenant))
        {
            return Problem(400, "tenantId", $"'{tenantId}' is not a tenant id.");
        }
        if (string.IsNullOrWhiteSpace(path))
        {
            return Problem(404, "path", "A webhook path follows /webhooks/.");
        }
        var body = await ReadAsync(http.Request, cancellationToken);
        if (body is null)
        {
            return Problem(413, "body", $"The body is larger than the webhooks' limit of {MaxBodyBytes} bytes.");
        }
        var headers = http.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var outcome = await webhooks.ReceiveAsync(new WebhookCall(tenant, path, headers, body), async (name, ct) =>
            (await secrets.ForTextsAsync([$"{{{{secrets.{name}}}}}"], tenant, ct)).Value(name), cancellationToken);
        if (outcome.IsProblem)
        {
            return Problem(outcome.Status, outcome.Field, outcome.Detail!);
        }
        if (outcome.Replayed)
        {
            http.Response.Headers["Idempotent-Replayed"] = "true";
        }
        return Results.Text(outcome.Json!, "application/json", System.Text.Encoding.UTF8, outcome.Status);
    }

    private static async Task<byte[]?> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxBodyBytes)
        {
            return null;
        }
        if (request.Body.CanSeek)
        {
            request.Body.Position = 0;
        }
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
            {
                return null;
            }
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    private static IResult Problem(int status, string? field, string detail)
    {
        var problem = new ProblemDetails
        {
            Status = status,
            Title = status switch { 401 => "The webhook call is not signed by its platform.", 404 => "Not found.", 413 => "Too large.", _ => "The webhook call was refused." },
            Detail = detail,
        };
        if (field is not null)
        {
            problem.Extensions["field"] = field;
        }
        return TypedResults.Problem(problem);
    }
}
