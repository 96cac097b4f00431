using Npgsql;

namespace Processes.Engine.Storage;

/// <summary>
/// The connection of the command running on this flow, for the look-ups it makes on the way (a definition by id or key,
/// a business calendar, a decision, a key block, a catalogue). A command holds its connection for its whole
/// transaction; when its look-ups opened a second one, every command needed two connections at once, and a burst of
/// commands as large as the pool (the retries after a failover) held every connection while each waited for its second:
/// a pool deadlock until the pool's timeout. Outside a command (a query, a page) <see cref="OpenAsync"/> opens a
/// connection of its own, as before; caches in front of the look-ups are unchanged.
/// </summary>
public static class CommandConnection
{
    private static readonly AsyncLocal<Scope?> Ambient = new();

    /// <summary>
    /// Makes <paramref name="connection"/> and its <paramref name="transaction"/> the look-ups' connection for the rest
    /// of this flow, until disposed (the command's attempt ends). Flows that outlive it (a task started inside) then
    /// open their own again.
    /// </summary>
    internal static IDisposable Enter(NpgsqlDataSource dataSource, NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        var scope = new Scope(dataSource, connection, transaction, Ambient.Value);
        Ambient.Value = scope;
        return scope;
    }

    /// <summary>
    /// The running command's connection and transaction when this flow is inside a command on <paramref name="dataSource"/>;
    /// otherwise a connection of its own, closed when the lease is disposed.
    /// </summary>
    public static async ValueTask<CommandConnectionLease> OpenAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        return Current(dataSource) is { } scope
            ? new CommandConnectionLease(scope.Connection, scope.Transaction, owned: false)
            : new CommandConnectionLease(await dataSource.OpenConnectionAsync(cancellationToken), null, owned: true);
    }

    /// <summary>The same, synchronously: for the steps, which run synchronously (a key block, a calendar miss).</summary>
    internal static CommandConnectionLease Open(NpgsqlDataSource dataSource) =>
        Current(dataSource) is { } scope
            ? new CommandConnectionLease(scope.Connection, scope.Transaction, owned: false)
            : new CommandConnectionLease(dataSource.OpenConnection(), null, owned: true);

    /// <summary>Whether this flow is inside a command on <paramref name="dataSource"/> (tests).</summary>
    internal static bool IsInside(NpgsqlDataSource dataSource) => Current(dataSource) is not null;

    private static Scope? Current(NpgsqlDataSource dataSource)
    {
        for (var scope = Ambient.Value; scope is not null; scope = scope.Outer)
        {
            if (!scope.Ended && ReferenceEquals(scope.DataSource, dataSource))
            {
                return scope;
            }
        }
        return null;
    }

    private sealed class Scope(NpgsqlDataSource dataSource, NpgsqlConnection connection, NpgsqlTransaction transaction, Scope? outer) : IDisposable
    {
        public NpgsqlDataSource DataSource { get; } = dataSource;

        public NpgsqlConnection Connection { get; } = connection;

        public NpgsqlTransaction Transaction { get; } = transaction;

        public Scope? Outer { get; } = outer;

        // A task started inside the command keeps this scope in its copy of the flow: ended, it is skipped.
        public bool Ended { get; private set; }

        public void Dispose()
        {
            Ended = true;
            if (ReferenceEquals(Ambient.Value, this))
            {
                Ambient.Value = Outer;
            }
        }
    }
}

/// <summary>A connection for a look-up: the running command's (not closed here) or one of its own (closed on dispose).</summary>
public sealed class CommandConnectionLease : IAsyncDisposable, IDisposable
{
    private readonly bool _owned;

    internal CommandConnectionLease(NpgsqlConnection connection, NpgsqlTransaction? transaction, bool owned)
    {
        Connection = connection;
        Transaction = transaction;
        _owned = owned;
    }

    public NpgsqlConnection Connection { get; }

    /// <summary>The command's transaction when the look-up runs inside one; null on a connection of its own.</summary>
    public NpgsqlTransaction? Transaction { get; }

    public ValueTask DisposeAsync() => _owned ? Connection.DisposeAsync() : ValueTask.CompletedTask;

    public void Dispose()
    {
        if (_owned)
        {
            Connection.Dispose();
        }
    }
}
