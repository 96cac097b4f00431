using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Processes.Tests.Hosting;

/// <summary>
/// The outside world of the soak and fault suites: an idempotent counter. Each call to <c>POST /effect/{n}</c> carries
/// the job key as Idempotency-Key; a key seen again is a repeated call (at least once towards the outside, harmless),
/// while two different keys for the same <c>n</c> would be the effect applied twice (a job run for a second time as a
/// new job).
/// </summary>
internal sealed class EffectCounter : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, int> _calls = new();
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> _keysPerEffect = new();

    private EffectCounter(WebApplication app) => _app = app;

    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>Job keys called more than once: the price of at-least-once towards the outside after a kill.</summary>
    public int Repeated => _calls.Values.Count(n => n > 1);

    /// <summary>Effects (<c>n</c>) applied under more than one idempotency key: applied twice.</summary>
    public int AppliedTwice => _keysPerEffect.Values.Count(keys => keys.Count > 1);

    /// <summary>Effects applied at least once.</summary>
    public int Applied => _keysPerEffect.Count;

    public static async Task<EffectCounter> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var counter = new EffectCounter(app);
        app.MapPost("/effect/{n}", (HttpRequest request, string n) =>
        {
            var key = request.Headers["Idempotency-Key"].FirstOrDefault() ?? n;
            counter._calls.AddOrUpdate(key, 1, (_, c) => c + 1);
            counter._keysPerEffect.GetOrAdd(n, _ => new ConcurrentDictionary<string, byte>()).TryAdd(key, 0);
            return Results.Json(new { ok = true });
        });
        await app.StartAsync();
        counter.BaseUrl = new Uri(app.Urls.First().TrimEnd('/') + "/");
        return counter;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
