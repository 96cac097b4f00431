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
    /// What a first request with this key left: its answer, or its command's outcome. A plain read, no lock and no
    /// connection kept: the requests with one key are serialised by the command itself (<see cref="LockAsync"/>, in its
    /// own transaction), so a request waiting for another with the same key holds no connection while it waits.
    /// </summary>
    public async Task<IdempotencySession> BeginAsync(string caller, string route, string key, string requestHash, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<StoredRow>(new CommandDefinition("""
            SELECT status, body, content_type AS contentType, outcome::text AS outcome, request_hash AS requestHash FROM idempotent_request
            WHERE caller = @caller AND route = @route AND key = @key AND created_at > now() - @retention
            """, new { caller, route, key, retention = Retention }, cancellationToken: cancellationToken));
        var claim = new IdempotencyClaim(caller, route, key, requestHash, row?.Outcome);
        var answer = row is { Status: { } status } ? new IdempotentAnswer(status, row.Body ?? "", row.ContentType) : null;
        return new IdempotencySession(this, claim, answer, row?.RequestHash);
    }

    /// <summary>
    /// In the command's transaction, before it acts: serialises the commands with one key (on every host: a
    /// transaction-scoped advisory lock, released at its commit or rollback, or when its host dies) and reads the outcome
    /// a command with the key committed meanwhile.
    /// </summary>
    internal static async Task<string?> LockAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IdempotencyClaim claim,
        CancellationToken cancellationToken)
    {
        await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_xact_lock(hashtextextended(@Caller || chr(31) || @Route || chr(31) || @Key, 11))",
            new { claim.Caller, claim.Route, claim.Key }, transaction, cancellationToken: cancellationToken));
        return await connection.QuerySingleOrDefaultAsync<string?>(new CommandDefinition("""
            SELECT outcome::text FROM idempotent_request
            WHERE caller = @Caller AND route = @Route AND key = @Key AND created_at > now() - @retention AND outcome IS NOT NULL
            """, new { claim.Caller, claim.Route, claim.Key, retention = Retention }, transaction, cancellationToken: cancellationToken));
    }

    /// <summary>In the command's transaction: its outcome, the durable proof that the request took effect.</summary>
    internal static Task RecordOutcomeAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IdempotencyClaim claim, string outcome,
        CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO idempotent_request (caller, route, key, outcome, request_hash) VALUES (@Caller, @Route, @Key, @outcome::jsonb, @RequestHash)
            ON CONFLICT (caller, route, key) DO UPDATE SET status = NULL, body = NULL, content_type = NULL, outcome = excluded.outcome,
                request_hash = excluded.request_hash, created_at = now()
            """, new { claim.Caller, claim.Route, claim.Key, outcome, claim.RequestHash }, transaction, cancellationToken: cancellationToken));

    /// <summary>
    /// After the command: the answer, for retries to get without running anything. A failure's answer never replaces
    /// a live outcome (a request racing with the one that succeeded, on another host, answered without acting).
    /// </summary>
    internal async Task SaveAnswerAsync(IdempotencyClaim claim, IdempotentAnswer answer, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        // An explicit commit: a host that dies while the statement waits leaves no answer behind.
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO idempotent_request (caller, route, key, status, body, content_type, request_hash) VALUES (@Caller, @Route, @Key, @status, @body, @contentType, @RequestHash)
            ON CONFLICT (caller, route, key) DO UPDATE SET status = excluded.status, body = excluded.body, content_type = excluded.content_type,
                request_hash = excluded.request_hash, created_at = now()
            WHERE idempotent_request.outcome IS NULL OR excluded.status < 300 OR idempotent_request.created_at <= now() - @retention
            """, new { claim.Caller, claim.Route, claim.Key, claim.RequestHash, status = answer.Status, body = answer.Body, contentType = answer.ContentType, retention = Retention },
            transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
    }

    private sealed record StoredRow(int? Status, string? Body, string? ContentType, string? Outcome, string? RequestHash);
}

/// <summary>
/// One request with a key, from <see cref="IdempotencyStore.BeginAsync"/>: what a first request left (<see cref="Answer"/>,
/// or an outcome the <see cref="Claim"/> replays), and where this request's answer goes. Holds no connection.
/// </summary>
public sealed class IdempotencySession
{
    private readonly IdempotencyStore _store;

    internal IdempotencySession(IdempotencyStore store, IdempotencyClaim claim, IdempotentAnswer? answer, string? storedHash)
    {
        _store = store;
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

    /// <summary>Stores this request's answer (in a transaction of its own, after the command's).</summary>
    public Task SaveAnswerAsync(IdempotentAnswer answer, CancellationToken cancellationToken) => _store.SaveAnswerAsync(Claim, answer, cancellationToken);
}
