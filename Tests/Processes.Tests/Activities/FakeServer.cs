using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Processes.Tests.Activities;

/// <summary>One request as the fake server saw it.</summary>
internal sealed record RecordedRequest(string Method, string PathAndQuery, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public string? Header(string name) => Headers.GetValueOrDefault(name);
}

/// <summary>What the fake server answers.</summary>
internal sealed record FakeAnswer(int Status, string Body = "", string ContentType = "application/json", TimeSpan Delay = default);

/// <summary>
/// A local HTTP server on 127.0.0.1 (a free port) that records every request and answers with <see cref="Respond"/>
/// — a stand-in for an SMS gateway, a payment API or any other endpoint.
/// </summary>
internal sealed class FakeServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeServer(WebApplication app) => _app = app;

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    /// <summary>The answer to a request; the default is 200 with an empty JSON object.</summary>
    public Func<RecordedRequest, FakeAnswer> Respond { get; set; } = _ => new FakeAnswer(200, "{}");

    public Uri BaseUrl { get; private set; } = null!;

    public static async Task<FakeServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new FakeServer(app);
        app.Run(server.HandleAsync);
        await app.StartAsync();
        server.BaseUrl = new Uri(app.Urls.First().Replace("[::]", "127.0.0.1", StringComparison.Ordinal) + "/");
        return server;
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        var recorded = new RecordedRequest(context.Request.Method, context.Request.Path + context.Request.QueryString,
            context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), body);
        Requests.Enqueue(recorded);
        var answer = Respond(recorded);
        if (answer.Delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(answer.Delay, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
        context.Response.StatusCode = answer.Status;
        context.Response.ContentType = answer.ContentType;
        await context.Response.WriteAsync(answer.Body, context.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>
/// A provider that honours <c>Idempotency-Key</c> as real payment APIs and SMS gateways do: the first request with a
/// key has the effect, a repeat gets the first answer again. <see cref="Effects"/> counts the real effects.
/// </summary>
internal sealed class IdempotentProvider(Func<RecordedRequest, int, FakeAnswer> firstTime)
{
    private readonly ConcurrentDictionary<string, FakeAnswer> _done = new();
    private int _effects;

    public int Effects => Volatile.Read(ref _effects);

    public FakeAnswer Respond(RecordedRequest request)
    {
        var key = request.Header("Idempotency-Key") ?? Guid.NewGuid().ToString();
        return _done.GetOrAdd(key, _ => firstTime(request, Interlocked.Increment(ref _effects)));
    }
}
