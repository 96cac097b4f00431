using Npgsql;

namespace Processes.Engine.Execution;

/// <summary>
/// Int64 keys for everything the engine creates, unique across every host of the database: each host takes a
/// block of 100 from the <c>engine_key</c> sequence and hands them out from memory. A crash loses at most the
/// rest of a block (gaps are harmless; keys are never reused).
/// </summary>
internal sealed class KeyGenerator(NpgsqlDataSource dataSource)
{
    private const int BlockSize = 100; // must match INCREMENT BY of the sequence
    private readonly Lock _gate = new();
    private long _next;
    private long _end;

    public long Next()
    {
        lock (_gate)
        {
            if (_next >= _end)
            {
                // Sequences are outside transactions: the block stays ours even if the command rolls back. Inside a
                // command it is read on the command's connection, so a command never waits for a second one.
                using var lease = Storage.CommandConnection.Open(dataSource);
                using var command = new NpgsqlCommand("SELECT nextval('engine_key')", lease.Connection, lease.Transaction);
                _next = (long)command.ExecuteScalar()!;
                _end = _next + BlockSize;
            }
            return _next++;
        }
    }
}
