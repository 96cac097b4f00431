using Npgsql;
using Processes.Engine.Storage;

namespace Processes.Engine.Batches;

/// <summary>
/// The batch item a command works for. Ambient, as an Idempotency-Key is: the command ends the item in its own
/// transaction, so a node that dies after the commit never runs the item again, and one that dies before leaves it open
/// for the next. <c>failureOf</c> reads a committed outcome that did nothing (a migration with problems) as a failure;
/// <c>audit</c>, when given, is the item's audit row (commands that write none of their own), written with the item.
/// </summary>
internal sealed class BatchItemClaim(long batchKey, long itemKey, Func<object?, string?>? failureOf, AuditRow? audit = null)
{
    private static readonly AsyncLocal<BatchItemClaim?> Ambient = new();
    private int _taken;

    public long BatchKey { get; } = batchKey;

    public long ItemKey { get; } = itemKey;

    /// <summary>Whether a command ended the item (committed with it).</summary>
    public bool Recorded { get; private set; }

    public static IDisposable Enlist(BatchItemClaim claim)
    {
        var previous = Ambient.Value;
        Ambient.Value = claim;
        return new Scope(previous);
    }

    /// <summary>The claim for a command starting now: only the item's first command takes it.</summary>
    public static BatchItemClaim? Take() => Ambient.Value is { } claim && Interlocked.Exchange(ref claim._taken, 1) == 0 ? claim : null;

    public async Task RecordAsync<T>(NpgsqlConnection connection, NpgsqlTransaction transaction, T value, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var failure = failureOf?.Invoke(value);
        if (!await BatchOperationStore.EndItemAsync(connection, transaction, BatchKey, ItemKey, failure, at, cancellationToken))
        {
            // The batch was cancelled while the command ran: its item must not take effect after all.
            throw new BatchItemClosedException($"Item {ItemKey} of batch operation {BatchKey} is no longer open.");
        }
        if (audit is not null && failure is null)
        {
            await AuditRows.InsertAsync(connection, transaction, audit, cancellationToken);
        }
        Recorded = true;
    }

    private sealed class Scope(BatchItemClaim? previous) : IDisposable
    {
        public void Dispose() => Ambient.Value = previous;
    }
}

internal sealed class BatchItemClosedException(string message) : Exception(message);
