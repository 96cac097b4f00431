using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace Processes.Host.Identity;

/// <summary>
/// Who an API key belongs to, remembered for a short time so that a Camunda client does not cost three identity
/// reads per request. Correctness rests on clearing, not on the TTL: every change that could make a key refuse or
/// change its principal (revocation, disable, password reset, roles, groups, tenant memberships, group rename) clears
/// the whole cache — on this host right after the commit (<see cref="IdentityChanges.Committed"/>), on every other host
/// when the database's <c>processes_identity</c> notification arrives (<see cref="IdentityChangeListener"/>). The cache
/// only answers while that listener is connected; without it (or with the TTL set to 0) every request reads the
/// database as before. Only successes are kept, so unknown tokens cannot fill it.
/// </summary>
public sealed class ApiKeyCache(IConfiguration configuration)
{
    private const int MaxEntries = 10_000;
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly TimeSpan _ttl = TimeSpan.FromSeconds(configuration.GetValue("Processes:Identity:ApiKeyCacheSeconds", 30));
    private long _generation;
    private volatile bool _listening;

    /// <summary>Bumped by every clear: a lookup that read the database before a change may not store what it read.</summary>
    public long Generation => Interlocked.Read(ref _generation);

    /// <summary>Whether entries are served: only while other hosts' changes can reach this one.</summary>
    internal bool Listening
    {
        get => _listening;
        set
        {
            _listening = value;
            Clear();
        }
    }

    internal (UserRecord User, long KeyId)? Find(string token)
    {
        if (!_listening || _ttl <= TimeSpan.Zero || !_entries.TryGetValue(Key(token), out var entry))
        {
            return null;
        }
        if (entry.Expires <= Environment.TickCount64)
        {
            _entries.TryRemove(new KeyValuePair<string, Entry>(Key(token), entry));
            return null;
        }
        return (entry.User, entry.KeyId);
    }

    /// <summary>Stores a lookup unless the identity tables changed since <paramref name="generation"/> was read.</summary>
    internal void Store(string token, UserRecord user, long keyId, long generation)
    {
        if (!_listening || _ttl <= TimeSpan.Zero)
        {
            return;
        }
        if (_entries.Count >= MaxEntries)
        {
            _entries.Clear();
        }
        var key = Key(token);
        _entries[key] = new Entry(user, keyId, Environment.TickCount64 + (long)_ttl.TotalMilliseconds);
        // A clear that ran between the database read and the line above must win: undo the store.
        if (Generation != generation)
        {
            _entries.TryRemove(key, out _);
        }
    }

    /// <summary>Forgets every key: something about users, keys or memberships changed.</summary>
    public void Clear()
    {
        Interlocked.Increment(ref _generation);
        _entries.Clear();
    }

    internal int Count => _entries.Count;

    // The token itself is not kept in memory longer than the request: the cache is keyed by its hash.
    private static string Key(string token) => Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    // Expiry on the machine's monotonic clock: a test's manual TimeProvider must not keep entries forever.
    private sealed record Entry(UserRecord User, long KeyId, long Expires);
}

/// <summary>What identity writers call after their commit, so that this host forgets cached keys at once.</summary>
internal static class IdentityChanges
{
    public static void Committed(HttpContext http) => http.RequestServices.GetRequiredService<ApiKeyCache>().Clear();
}
