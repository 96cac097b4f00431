using System.Text.Json;
using Npgsql;
using Processes.Engine.Execution;

namespace Processes.Engine.Idempotency;

/// <summary>
/// An Idempotency-Key held by a request, handed to the first engine command the request runs. Ambient (an
/// AsyncLocal) rather than a parameter so that every creating command honours it without a second signature:
/// the command records its outcome in its own transaction — committed together or not at all — and a retry
/// that finds an outcome gets it back from the command without the command acting again.
/// </summary>
public sealed class IdempotencyClaim
{
    private static readonly AsyncLocal<IdempotencyClaim?> Ambient = new();
    private int _taken;

    internal IdempotencyClaim(string caller, string route, string key, string requestHash, string? recordedOutcome)
    {
        Caller = caller;
        Route = route;
        Key = key;
        RequestHash = requestHash;
        RecordedOutcome = recordedOutcome;
    }

    public string Caller { get; }

    public string Route { get; }

    public string Key { get; }

    public string RequestHash { get; }

    /// <summary>What the first request's command answered (JSON), when it committed and its answer was never stored.</summary>
    public string? RecordedOutcome { get; }

    internal static IDisposable Enlist(IdempotencyClaim claim)
    {
        var previous = Ambient.Value;
        Ambient.Value = claim;
        return new Scope(previous);
    }

    /// <summary>The claim for a command starting now: only the request's first command takes it.</summary>
    internal static IdempotencyClaim? Take() =>
        Ambient.Value is { } claim && Interlocked.Exchange(ref claim._taken, 1) == 0 ? claim : null;

    /// <summary>Whether the command answered with a first request's outcome instead of acting (the answer is a replay).</summary>
    public bool Replayed { get; private set; }

    internal CommandResult<T>? Replay<T>() => Replay<T>(RecordedOutcome);

    internal CommandResult<T>? Replay<T>(string? outcome)
    {
        if (outcome is null)
        {
            return null;
        }
        Replayed = true;
        return CommandResult<T>.Success(JsonSerializer.Deserialize<T>(outcome)!);
    }

    /// <summary>Holds the key for the command's transaction; the outcome a command with it committed meanwhile, if any.</summary>
    internal Task<string?> LockAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken) =>
        IdempotencyStore.LockAsync(connection, transaction, this, cancellationToken);

    internal Task RecordAsync<T>(NpgsqlConnection connection, NpgsqlTransaction transaction, T value, CancellationToken cancellationToken) =>
        IdempotencyStore.RecordOutcomeAsync(connection, transaction, this, JsonSerializer.Serialize(value), cancellationToken);

    private sealed class Scope(IdempotencyClaim? previous) : IDisposable
    {
        public void Dispose() => Ambient.Value = previous;
    }
}
