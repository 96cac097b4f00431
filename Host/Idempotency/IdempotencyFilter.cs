using System.Text;
using Dapper;
using Npgsql;

namespace Processes.Host.Idempotency;

/// <summary>
/// <c>Idempotency-Key</c> on creating commands: a request retried with the same key (by the same caller, on the
/// same route) gets the first answer back instead of acting twice — a client that lost the response to a
/// timeout can safely send again. Answers are kept for a day. Two requests racing with one key: the second
/// waits on the first's row lock and then returns its stored answer.
/// </summary>
internal sealed class IdempotencyFilter(NpgsqlDataSource dataSource) : IEndpointFilter
{
    public const string Header = "Idempotency-Key";
    private static readonly TimeSpan Retention = TimeSpan.FromDays(1);

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
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // Serialises requests with the same key; different keys never wait on each other.
        await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_xact_lock(hashtextextended(@caller || chr(31) || @route || chr(31) || @key, 11))",
            new { caller, route, key }, transaction, cancellationToken: cancellationToken));
        var stored = await connection.QuerySingleOrDefaultAsync<(int Status, string Body, string? ContentType)>(new CommandDefinition(
            "SELECT status, body, content_type FROM idempotent_request WHERE caller = @caller AND route = @route AND key = @key AND created_at > now() - @retention",
            new { caller, route, key, retention = Retention }, transaction, cancellationToken: cancellationToken));
        if (stored != default)
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
            var result = await next(context);
            if (result is IResult executable)
            {
                await executable.ExecuteAsync(http);
            }
            var status = http.Response.StatusCode;
            var body = Encoding.UTF8.GetString(buffer.ToArray());
            if (status < 500)
            {
                await connection.ExecuteAsync(new CommandDefinition("""
                    INSERT INTO idempotent_request (caller, route, key, status, body, content_type) VALUES (@caller, @route, @key, @status, @body, @contentType)
                    ON CONFLICT (caller, route, key) DO UPDATE SET status = excluded.status, body = excluded.body, content_type = excluded.content_type, created_at = now()
                    """, new { caller, route, key, status, body, contentType = http.Response.ContentType }, transaction, cancellationToken: cancellationToken));
                // Durability point: from here a retry gets this answer; a crash before it lets the retry act (the command itself is atomic).
                await transaction.CommitAsync(cancellationToken);
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
