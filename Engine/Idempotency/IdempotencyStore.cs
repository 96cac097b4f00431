using System.Data;
using Dapper;
using Npgsql;

namespace Processes.Engine.Idempotency;

/// <summary>A stored answer to a request made with an Idempotency-Key.</summary>
public sealed record IdempotentAnswer(int Status, string Body, string? ContentType);

/// <summary>
/// Owns <c>idempotent_request</c>: the answers to requests made with an Idempotency-Key (kept a day) and the
/// outcomes of the commands they started, recorded in those commands' own transactions (see <see cref="IdempotencyClaim"/>).
/// </summary>
public sealed class IdempotencyStore(NpgsqlDataSource dataSource)
{
    private static readonly TimeSpan Retention = TimeSpan.FromDays(1);

    /// <summary>
    /// Serialises the requests with one key (on every host: a transaction-scoped advisory lock, released when this
    /// session ends or its host dies) and reads what a first request left: its answer, or its command's outcome.
    /// </summary>
    public async Task<IdempotencySession> BeginAsync(string caller, string route, string key, string requestHash, CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);
            await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_xact_lock(hashtextextended(@caller || chr(31) || @route || chr(31) || @key, 11))",
                new { caller, route, key }, transaction, cancellationToken: cancellationToken));
            var row = await connection.QuerySingleOrDefaultAsync<StoredRow>(new CommandDefinition("""
                SELECT status, body, content_type AS contentType, outcome::text AS outcome, request_hash AS requestHash FROM idempotent_request
                WHERE caller = @caller AND route = @route AND key = @key AND created_at > now() - @retention
                """, new { caller, route, key, retention = Retention }, transaction, cancellationToken: cancellationToken));
            var claim = new IdempotencyClaim(caller, route, key, requestHash, row?.Outcome);
            var answer = row is { Status: { } status } ? new IdempotentAnswer(status, row.Body ?? "", row.ContentType) : null;
            return new IdempotencySession(connection, transaction, claim, answer, row?.RequestHash);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>In the command's transaction: its outcome, the durable proof that the request took effect.</summary>
    internal static Task RecordOutcomeAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IdempotencyClaim claim, string outcome,
        CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO idempotent_request (caller, route, key, outcome, request_hash) VALUES (@Caller, @Route, @Key, @outcome::jsonb, @RequestHash)
            ON CONFLICT (caller, route, key) DO UPDATE SET status = NULL, body = NULL, content_type = NULL, outcome = excluded.outcome,
                request_hash = excluded.request_hash, created_at = now()
            """, new { claim.Caller, claim.Route, claim.Key, outcome, claim.RequestHash }, transaction, cancellationToken: cancellationToken));

    internal static Task SaveAnswerAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IdempotencyClaim claim, IdempotentAnswer answer,
        CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO idempotent_request (caller, route, key, status, body, content_type, request_hash) VALUES (@Caller, @Route, @Key, @status, @body, @contentType, @RequestHash)
            ON CONFLICT (caller, route, key) DO UPDATE SET status = excluded.status, body = excluded.body, content_type = excluded.content_type,
                request_hash = excluded.request_hash, created_at = now()
            """, new { claim.Caller, claim.Route, claim.Key, claim.RequestHash, status = answer.Status, body = answer.Body, contentType = answer.ContentType },
            transaction, cancellationToken: cancellationToken));

    private sealed record StoredRow(int? Status, string? Body, string? ContentType, string? Outcome, string? RequestHash);
}

/// <summary>
/// One request's hold on its key, from <see cref="IdempotencyStore.BeginAsync"/> until disposed: what a first request
/// left (<see cref="Answer"/>, or an outcome the <see cref="Claim"/> replays), and where this request's answer goes.
/// </summary>
public sealed class IdempotencySession : IAsyncDisposable
{
    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlTransaction _transaction;

    internal IdempotencySession(NpgsqlConnection connection, NpgsqlTransaction transaction, IdempotencyClaim claim, IdempotentAnswer? answer, string? storedHash)
    {
        _connection = connection;
        _transaction = transaction;
        Claim = claim;
        Answer = answer;
        StoredRequestHash = storedHash;
    }

    public IdempotencyClaim Claim { get; }

    /// <summary>The first request's answer, when it was stored.</summary>
    public IdempotentAnswer? Answer { get; }

    /// <summary>The first request's hash (null before the hash was kept, or when there was no first request).</summary>
    public string? StoredRequestHash { get; }

    /// <summary>Whether a first request with this key was a different request.</summary>
    public bool IsDifferentRequest => StoredRequestHash is not null && StoredRequestHash != Claim.RequestHash;

    /// <summary>Makes <see cref="Claim"/> the claim of the next engine command in this flow (until disposed).</summary>
    public IDisposable Enlist() => IdempotencyClaim.Enlist(Claim);

    /// <summary>Stores this request's answer and ends the hold on the key.</summary>
    public async Task SaveAnswerAsync(IdempotentAnswer answer, CancellationToken cancellationToken)
    {
        await IdempotencyStore.SaveAnswerAsync(_connection, _transaction, Claim, answer, cancellationToken);
        await _transaction.CommitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _transaction.DisposeAsync();
        await _connection.DisposeAsync();
    }
}
