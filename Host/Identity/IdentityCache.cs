using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace Processes.Host.Identity;

/// <summary>
/// Who an API key or a session cookie belongs to, remembered for a short time so that neither a Camunda client nor a
/// page costs identity reads per request. Correctness rests on clearing, not on the TTL: every change that could
/// refuse a key or a session or change its principal (revocation, logout, disable, password change or reset, roles,
/// groups, tenant memberships, group rename) clears the whole cache — on this host right after the commit
/// (<see cref="IdentityChanges.Committed"/>), on every other host when the database's <c>processes_identity</c>
/// notification arrives (<see cref="IdentityChangeListener"/>). The cache only answers while that listener is
/// connected; without it (or with the TTL set to 0) every request reads the database as before. Only successes are
/// kept, so unknown tokens cannot fill it. Keys and sessions share the entries, told apart by a prefix.
/// </summary>
public sealed class IdentityCache(IConfiguration configuration)
{
    private const int MaxEntries = 10_000;
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    // One setting for both (its name is older than the session cache): 0 turns the cache off.
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

    /// <summary>The user of an API key and the key's id, if a recent check found it live.</summary>
    internal (UserRecord User, long KeyId)? Find(string token) => Lookup("k:" + token) is { } entry ? (entry.User, entry.Id) : null;

    /// <summary>Stores a key's lookup unless the identity tables changed since <paramref name="generation"/> was read.</summary>
    internal void Store(string token, UserRecord user, long keyId, long generation) => Put("k:" + token, user, keyId, generation);

    /// <summary>The enabled user of a live session, if a recent check found it so.</summary>
    internal UserRecord? FindSession(string sessionId) => Lookup("s:" + sessionId)?.User;

    /// <summary>Stores a session's check (live, its user enabled) unless identity changed since <paramref name="generation"/> was read.</summary>
    internal void StoreSession(string sessionId, UserRecord user, long generation) => Put("s:" + sessionId, user, user.Id, generation);

    private Entry? Lookup(string token)
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
        return entry;
    }

    private void Put(string token, UserRecord user, long id, long generation)
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
        _entries[key] = new Entry(user, id, Environment.TickCount64 + (long)_ttl.TotalMilliseconds);
        // A clear that ran between the database read and the line above must win: undo the store.
        if (Generation != generation)
        {
            _entries.TryRemove(key, out _);
        }
    }

    /// <summary>Forgets every key and session: something about users, keys, sessions or memberships changed.</summary>
    public void Clear()
    {
        Interlocked.Increment(ref _generation);
        _entries.Clear();
    }

    internal int Count => _entries.Count;

    // The token (key or session id) is not kept in memory longer than the request: the cache is keyed by its hash.
    private static string Key(string token) => Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    // Expiry on the machine's monotonic clock: a test's manual TimeProvider must not keep entries forever.
    private sealed record Entry(UserRecord User, long Id, long Expires);
}

/// <summary>What identity writers call after their commit, so that this host forgets cached keys and sessions at once.</summary>
internal static class IdentityChanges
{
    public static void Committed(HttpContext http) => http.RequestServices.GetRequiredService<IdentityCache>().Clear();
}
