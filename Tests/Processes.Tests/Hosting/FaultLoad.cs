using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Processes.Tests.Hosting;

/// <summary>
/// The fault suite's clients over HTTP, each request to one of the live hosts at random: starts (every other one with
/// an Idempotency-Key, retried until answered; the others sent once), the message each instance waits for (published
/// once its start was answered, buffered until the instance gets there), and an agent completing the user tasks.
/// </summary>
internal sealed class FaultLoad : IAsyncDisposable
{
    private readonly HttpClient _client;
    private readonly Uri _effects;
    private readonly ConcurrentBag<int> _keyed = [];
    private readonly List<Task> _inFlight = [];
    private int _next;
    private int _unkeyed;
    private int _retried;
    private int _answered;

    private FaultLoad(HttpClient client, Uri first, Uri effects)
    {
        _client = client;
        _effects = effects;
        Hosts = [first];
    }

    /// <summary>The hosts to send to (a host being replaced refuses connections: the request goes elsewhere on retry).</summary>
    public IReadOnlyList<Uri> Hosts { get; set; }

    public IReadOnlyCollection<int> KeyedNumbers => _keyed;

    public int UnkeyedStarts => _unkeyed;

    public int RetriedStarts => _retried;

    public int Answered => _answered;

    public static async Task<FaultLoad> StartAsync(Uri host, string adminPassword, Uri effects, CancellationToken cancellationToken)
    {
        using var session = new HttpClient(new HttpClientHandler { UseCookies = true }) { BaseAddress = host };
        using var login = await session.PostAsJsonAsync("/api/auth/login", new { userName = "admin", password = adminPassword }, cancellationToken);
        login.EnsureSuccessStatusCode();
        var body = await login.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        session.DefaultRequestHeaders.Add(body.GetProperty("antiforgeryHeader").GetString()!, body.GetProperty("antiforgeryToken").GetString());
        var me = await session.GetFromJsonAsync<JsonElement>("/api/auth/me", cancellationToken);
        using var key = await session.PostAsJsonAsync($"/api/users/{me.GetProperty("id").GetInt64()}/api-keys", new { name = "fault suite" }, cancellationToken);
        key.EnsureSuccessStatusCode();
        var secret = (await key.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("secret").GetString()!;
        var client = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        return new FaultLoad(client, host, effects);
    }

    /// <summary>Starts at <paramref name="perSecond"/> and completes tasks until <paramref name="stop"/>; then waits for the starts in flight.</summary>
    public async Task RunAsync(double perSecond, CancellationToken stop)
    {
        var completing = CompleteTasksAsync(stop);
        var pace = Stopwatch.StartNew();
        var started = 0;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var wait = TimeSpan.FromSeconds(started / perSecond) - pace.Elapsed;
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, stop);
                }
                var n = Interlocked.Increment(ref _next);
                lock (_inFlight)
                {
                    _inFlight.Add(StartAsync(n, keyed: n % 2 == 0));
                }
                started++;
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        Task[] pending;
        lock (_inFlight)
        {
            pending = [.. _inFlight];
        }
        await Task.WhenAll(pending);
        await completing;
    }

    /// <summary>
    /// A start with a key, retried until answered: how long the service took to answer again; null ("never") when no
    /// start was answered within <paramref name="limit"/> — a figure for the report, whose assertion then fails with it.
    /// </summary>
    public async Task<TimeSpan?> TimeToFirstStartAsync(TimeSpan limit, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        var n = Interlocked.Increment(ref _next);
        var answered = StartAsync(n, keyed: true);
        lock (_inFlight)
        {
            _inFlight.Add(answered);
        }
        try
        {
            return await answered.WaitAsync(limit, cancellationToken) ? watch.Elapsed : null;
        }
        catch (TimeoutException)
        {
            return null; // still retrying: it goes on in the background and is waited for with the others
        }
    }

    /// <summary>Assigns and completes the open user tasks of the suite's instances, until <paramref name="stop"/>.</summary>
    public async Task CompleteTasksAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                var host = Pick();
                using var search = await _client.PostAsJsonAsync(new Uri(host, "/v2/user-tasks/search"),
                    new { filter = new { processDefinitionId = "fault", state = "CREATED" }, page = new { limit = 100 } }, stop);
                if (search.IsSuccessStatusCode)
                {
                    var items = (await search.Content.ReadFromJsonAsync<JsonElement>(stop)).GetProperty("items");
                    foreach (var key in items.EnumerateArray().Select(t => t.GetProperty("userTaskKey").GetString()))
                    {
                        (await _client.PostAsJsonAsync(new Uri(host, $"/v2/user-tasks/{key}/assignment"), new { assignee = "admin" }, stop)).Dispose();
                        (await _client.PostAsJsonAsync(new Uri(host, $"/v2/user-tasks/{key}/completion"), new { variables = new { done = true } }, stop)).Dispose();
                    }
                }
                await Task.Delay(300, stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException or InvalidOperationException)
            {
                // A host died under the request or the database is restarting: the next round asks another.
            }
        }
    }

    /// <summary>One start (retried when keyed) and its message; true when a start was answered 200.</summary>
    private async Task<bool> StartAsync(int n, bool keyed)
    {
        var body = new
        {
            processDefinitionId = "fault",
            variables = new { n, key = $"n-{n}", httpUrl = new Uri(_effects, $"effect/{n}").ToString(), httpMethod = "POST" },
        };
        var deadline = Stopwatch.StartNew();
        var ok = false;
        for (var attempt = 0; ; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Pick(), "/v2/process-instances")) { Content = JsonContent.Create(body) };
            if (keyed)
            {
                request.Headers.Add("Idempotency-Key", $"fault-{n}");
            }
            var (status, retryAfter) = await SendAsync(request);
            if (status == HttpStatusCode.OK)
            {
                Interlocked.Increment(ref _answered);
                ok = true;
                break;
            }
            if (!keyed || deadline.Elapsed > TimeSpan.FromMinutes(3) || (status is { } s && (int)s is >= 400 and < 500 and not 408 and not 409 and not 429))
            {
                // Without a key a start is never retried (its fate is unknown when the host died); its message still goes out.
                // With one, 409 is "the key's requests are still running": retried like 408 and 429.
                break;
            }
            if (attempt == 0)
            {
                Interlocked.Increment(ref _retried);
            }
            await Task.Delay(RetryPause(retryAfter, attempt));
        }
        if (keyed)
        {
            _keyed.Add(n);
        }
        else
        {
            Interlocked.Increment(ref _unkeyed);
        }
        await PublishAsync(n);
        return ok;
    }

    /// <summary>
    /// A client's pause before a retry: the server's Retry-After when it gave one (capped at 1 s, so the suite measures
    /// the recovery to about a second), otherwise 100 ms doubling to 1 s — what a well-behaved client does, not a busy loop.
    /// </summary>
    private static TimeSpan RetryPause(TimeSpan? retryAfter, int attempt) =>
        retryAfter is { } wait ? TimeSpan.FromTicks(Math.Min(wait.Ticks, TimeSpan.FromSeconds(1).Ticks))
            : TimeSpan.FromMilliseconds(Math.Min(100 << Math.Min(attempt, 4), 1000));

    /// <summary>The instance's message, with a time to live covering the call and the timer; retried until answered.</summary>
    private async Task PublishAsync(int n)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromMinutes(3))
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Pick(), "/v2/messages/publication"))
            {
                Content = JsonContent.Create(new { name = "fault-go", correlationKey = $"n-{n}", timeToLive = 600_000, messageId = $"m-{n}" }),
            };
            request.Headers.Add("Idempotency-Key", $"fault-message-{n}");
            var (status, retryAfter) = await SendAsync(request);
            if (status == HttpStatusCode.OK)
            {
                return;
            }
            await Task.Delay(RetryPause(retryAfter, 0));
        }
    }

    private async Task<(HttpStatusCode? Status, TimeSpan? RetryAfter)> SendAsync(HttpRequestMessage request)
    {
        try
        {
            using var response = await _client.SendAsync(request);
            return (response.StatusCode, response.Headers.RetryAfter?.Delta);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return (null, null);
        }
    }

    private Uri Pick()
    {
        var hosts = Hosts;
        return hosts[Random.Shared.Next(hosts.Count)];
    }

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }
}
