using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Processes.Host.Input;

namespace Processes.Host.Inbox;

/// <summary>
/// Open event streams per user on this host (<see cref="InputLimits.MaxEventStreamsPerUser"/>): each stream holds a
/// connection and polls the database every second, so one user (or a stolen key) opening hundreds would load every
/// host. Counted per host in memory: a stream lives on one host, and a client balanced over N hosts may hold N × the
/// limit, which still bounds each host.
/// </summary>
internal sealed class EventStreamLimiter(IOptions<InputLimits> limits)
{
    private readonly ConcurrentDictionary<string, int> _open = new(StringComparer.Ordinal);

    public int Limit => limits.Value.MaxEventStreamsPerUser;

    /// <summary>A lease to dispose when the stream ends, or null when the user already holds the limit.</summary>
    public IDisposable? TryOpen(string user)
    {
        var limit = Limit;
        while (true)
        {
            var current = _open.GetOrAdd(user, 0);
            if (current >= limit)
            {
                return null;
            }
            if (_open.TryUpdate(user, current + 1, current))
            {
                return new Lease(this, user);
            }
        }
    }

    private void Close(string user)
    {
        while (true)
        {
            var current = _open.GetValueOrDefault(user);
            if (current <= 1)
            {
                // Removed only if still 1: a stream opened meanwhile keeps its count.
                if (_open.TryRemove(new KeyValuePair<string, int>(user, current)) || current == 0)
                {
                    return;
                }
            }
            else if (_open.TryUpdate(user, current - 1, current))
            {
                return;
            }
        }
    }

    private sealed class Lease(EventStreamLimiter limiter, string user) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                limiter.Close(user);
            }
        }
    }
}
