using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Mvc;
using Processes.Engine.Idempotency;

namespace Processes.Host.Idempotency;

/// <summary>
/// <c>Idempotency-Key</c> on creating commands: a request retried with the same key (by the same caller, on the
/// same route) gets the first answer back instead of acting twice — also after a crash. The engine command the
/// request runs records its outcome in its own transaction (the claim, see <see cref="IdempotencyClaim"/>); the
/// answer is stored after. A retry finds the answer, or — when the host died between the two — the outcome, which
/// the command hands back without acting again, so the handler renders the first answer anew. Requests racing with
/// one key wait on each other without holding a database connection: in memory on one host (<see cref="KeyGate"/>,
/// a bounded queue: beyond it 409 with Retry-After), across hosts in the command's own transaction. The same key with a
/// different body is refused (422). Answers are kept a day.
/// </summary>
internal sealed class IdempotencyFilter(IdempotencyStore store, KeyGate gate) : IEndpointFilter
{
    public const string Header = "Idempotency-Key";

    /// <summary>What a request refused for a full queue of its key is told to wait: about one command.</summary>
    internal const int RetryAfterInProgressSeconds = 1;

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var key = http.Request.Headers[Header].ToString();
        if (string.IsNullOrWhiteSpace(key))
        {
            return await next(context);
        }
        if (key.Length > 200)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "INVALID_ARGUMENT", detail: $"{Header} must have at most 200 characters.");
        }
        var caller = http.User.Identity?.Name ?? "anonymous";
        var route = $"{http.Request.Method} {http.Request.Path}";
        var cancellationToken = http.RequestAborted;
        var hash = await HashAsync(http.Request, cancellationToken);
        using var turn = await gate.EnterAsync($"{caller}\u001f{route}\u001f{key}", cancellationToken);
        if (turn is null)
        {
            http.Response.Headers.RetryAfter = RetryAfterInProgressSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var busy = new ProblemDetails
            {
                Status = StatusCodes.Status409Conflict, Title = "IDEMPOTENCY_KEY_IN_USE",
                Detail = $"Requests with {Header} '{key}' are already running or waiting on {route}; retry after the first one answered.",
            };
            busy.Extensions["field"] = Header;
            return TypedResults.Problem(busy);
        }
        var session = await store.BeginAsync(caller, route, key, hash, cancellationToken);
        if (session.IsDifferentRequest)
        {
            var problem = new ProblemDetails
            {
                Status = StatusCodes.Status422UnprocessableEntity, Title = "INVALID_ARGUMENT",
                Detail = $"{Header} '{key}' was already used for a different request on {route}; send a new key for a new request.",
            };
            problem.Extensions["field"] = Header;
            return TypedResults.Problem(problem);
        }
        if (session.Answer is { } stored)
        {
            http.Response.Headers["Idempotent-Replayed"] = "true";
            return Results.Text(stored.Body, stored.ContentType, Encoding.UTF8, stored.Status);
        }
        // Capture what the endpoint writes, to store it and still send it.
        var original = http.Response.Body;
        await using var buffer = new MemoryStream();
        http.Response.Body = buffer;
        try
        {
            using (session.Enlist())
            {
                var result = await next(context);
                if (result is IResult executable)
                {
                    await executable.ExecuteAsync(http);
                }
            }
            if (session.Claim.Replayed)
            {
                // The command answered with a first request's outcome (this request crossed its commit, or raced it on another host).
                http.Response.Headers["Idempotent-Replayed"] = "true";
            }
            var status = http.Response.StatusCode;
            if (status < 500)
            {
                await session.SaveAnswerAsync(new IdempotentAnswer(status, Encoding.UTF8.GetString(buffer.ToArray()), http.Response.ContentType), cancellationToken);
            }
            buffer.Position = 0;
            await buffer.CopyToAsync(original, cancellationToken);
            return EmptyResult.Instance;
        }
        finally
        {
            http.Response.Body = original;
        }
    }

    /// <summary>The body's SHA-256 (the input policy left a JSON body buffered; anything else is buffered here).</summary>
    private static async Task<string> HashAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (!request.Body.CanSeek)
        {
            request.EnableBuffering();
        }
        request.Body.Position = 0;
        var hash = await SHA256.HashDataAsync(request.Body, cancellationToken);
        request.Body.Position = 0;
        return Convert.ToHexString(hash);
    }

    /// <summary>The response was already written from the buffer.</summary>
    private sealed class EmptyResult : IResult
    {
        public static readonly EmptyResult Instance = new();

        public Task ExecuteAsync(HttpContext httpContext) => Task.CompletedTask;
    }
}

internal static class IdempotencyExtensions
{
    /// <summary>Marks a creating command as honouring Idempotency-Key.</summary>
    public static RouteHandlerBuilder Idempotent(this RouteHandlerBuilder builder) => builder.AddEndpointFilter<IdempotencyFilter>();
}
