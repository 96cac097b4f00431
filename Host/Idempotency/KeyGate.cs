namespace Processes.Host.Idempotency;

/// <summary>
/// The requests with one Idempotency-Key on this host, one at a time, the others waiting in memory: a retry storm
/// (clients that gave up on a slow answer and sent again while the first is still running) costs no database
/// connection while it waits. At most <see cref="MaxWaiting"/> wait per key; one more is refused at once (409 with
/// Retry-After), so abandoned retries cannot pile up without bound. Requests with one key on different hosts are
/// serialised by the command's own transaction (an advisory lock), which holds the one connection the command uses anyway.
/// </summary>
internal sealed class KeyGate
{
    /// <summary>Requests of one key waiting behind the one running.</summary>
    internal const int MaxWaiting = 8;

    private readonly Dictionary<string, Entry> _entries = [];
    private readonly Lock _gate = new();

    /// <summary>Null when too many requests with the key already wait; otherwise a hold, released when disposed.</summary>
    public async Task<IDisposable?> EnterAsync(string key, CancellationToken cancellationToken)
    {
        Entry entry;
        lock (_gate)
        {
            if (!_entries.TryGetValue(key, out entry!))
            {
                entry = new Entry();
                _entries[key] = entry;
            }
            if (entry.Users > MaxWaiting)
            {
                return null;
            }
            entry.Users++;
        }
        try
        {
            await entry.Turn.WaitAsync(cancellationToken);
        }
        catch
        {
            Leave(key, entry);
            throw;
        }
        return new Hold(this, key, entry);
    }

    /// <summary>Keys with a request running or waiting (for tests).</summary>
    internal int Count
    {
        get
        {
            lock (_gate)
            {
                return _entries.Count;
            }
        }
    }

    private void Leave(string key, Entry entry)
    {
        lock (_gate)
        {
            if (--entry.Users == 0)
            {
                _entries.Remove(key);
                entry.Turn.Dispose();
            }
        }
    }

    private sealed class Entry
    {
        public SemaphoreSlim Turn { get; } = new(1, 1);

        public int Users { get; set; }
    }

    private sealed class Hold(KeyGate gate, string key, Entry entry) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                entry.Turn.Release();
                gate.Leave(key, entry);
            }
        }
    }
}
