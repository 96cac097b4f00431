using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Processes.Host.Identity;

namespace Processes.Tests.Identity;

/// <summary>A user made for a test: its password (for cookie sign-in) and an API key (for Bearer/Basic).</summary>
public sealed record TestUser(long Id, string UserName, string Password, string ApiKey);

/// <summary>
/// The host on a fixture's database with a known admin password, and authenticated clients:
/// <see cref="AdminAsync"/> (admin by API key), <see cref="CreateUserAsync"/> (a user with roles, a password and a key),
/// <see cref="Bearer"/>, <see cref="Basic"/>, <see cref="SignInAsync"/> (session cookie plus antiforgery header) and
/// <see cref="Anonymous"/>.
/// </summary>
public sealed class IdentityHost : IAsyncDisposable
{
    public const string AdminPassword = "correct horse battery staple";
    public const string UserPassword = "a long enough password";
    public const string AdminBootstrapName = "admin";
    private readonly List<HttpClient> _clients = [];
    private HttpClient? _admin;
    private int _users;

    private IdentityHost(WebApplicationFactory<Program> factory) => Factory = factory;

    public WebApplicationFactory<Program> Factory { get; }

    public IServiceProvider Services => Factory.Services;

    /// <summary>
    /// Starts a host; <paramref name="adminPassword"/> null leaves Processes:Admin:Password unset. A
    /// <paramref name="clock"/> replaces the host's <see cref="TimeProvider"/> (engine, timers, jobs, SLA countdowns), so a
    /// scenario moves time by hand; set Processes:Engine:Timers:SafetyPollInterval low so the scheduler looks again soon.
    /// </summary>
    public static IdentityHost Start(string connectionString, string? adminPassword = AdminPassword, LogCapture? logs = null,
        IReadOnlyDictionary<string, string>? settings = null, TimeProvider? clock = null)
    {
        var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            builder.UseSetting("ConnectionStrings:Processes", connectionString);
            builder.UseEnvironment("Testing");
            if (adminPassword is not null)
            {
                builder.UseSetting("Processes:Admin:Password", adminPassword);
            }
            foreach (var (key, value) in settings ?? new Dictionary<string, string>())
            {
                builder.UseSetting(key, value);
            }
            if (logs is not null)
            {
                builder.ConfigureLogging(logging => logging.AddProvider(logs));
            }
            if (clock is not null)
            {
                builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(clock));
            }
        });
        return new IdentityHost(factory);
    }

    /// <summary>Where the clients send requests: the in-memory server, or the loopback port after <see cref="ListenOnLoopback"/>.</summary>
    public Uri BaseAddress { get; private set; } = new("http://localhost");

    /// <summary>
    /// Runs the host on Kestrel at 127.0.0.1 and a free port instead of the in-memory server, for clients outside
    /// the process (a browser); the clients of this class follow it there. Call before anything starts the host.
    /// </summary>
    public Uri ListenOnLoopback()
    {
        Factory.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        Factory.StartServer();
        BaseAddress = new Uri(Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.Single()
            ?? throw new InvalidOperationException("Kestrel reported no address."));
        return BaseAddress;
    }

    /// <summary>A client with a cookie jar and no credentials.</summary>
    public HttpClient Anonymous()
    {
        var client = Factory.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = true, AllowAutoRedirect = false, BaseAddress = BaseAddress });
        _clients.Add(client);
        return client;
    }

    public HttpClient Bearer(string apiKey)
    {
        var client = Anonymous();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        return client;
    }

    public HttpClient Basic(string userName, string apiKey)
    {
        var client = Anonymous();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{userName}:{apiKey}")));
        return client;
    }

    /// <summary>Signs in by POST /api/auth/login; the client keeps the cookie and sends the antiforgery header.</summary>
    public async Task<HttpClient> SignInAsync(string userName, string password, bool withAntiforgery = true)
    {
        var client = Anonymous();
        var response = await client.PostAsJsonAsync("/api/auth/login", new { userName, password });
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        if (withAntiforgery)
        {
            client.DefaultRequestHeaders.Add(body.GetProperty("antiforgeryHeader").GetString()!, body.GetProperty("antiforgeryToken").GetString());
        }
        return client;
    }

    /// <summary>The first admin, authenticated by an API key it issued itself through a cookie session.</summary>
    public async Task<HttpClient> AdminAsync()
    {
        if (_admin is not null)
        {
            return _admin;
        }
        var session = await SignInAsync(AdminBootstrapName, AdminPassword);
        var me = await session.GetFromJsonAsync<JsonElement>("/api/auth/me");
        var key = await PostAsync(session, $"/api/users/{me.GetProperty("id").GetInt64()}/api-keys", new { name = "tests" });
        _admin = Bearer(key.GetProperty("secret").GetString()!);
        return _admin;
    }

    /// <summary>Creates a user with these roles (and groups, which must exist) through the admin API, with a password and an API key.</summary>
    public async Task<TestUser> CreateUserAsync(string? userName = null, string[]? roles = null, string[]? groups = null)
    {
        var admin = await AdminAsync();
        userName ??= $"user{Interlocked.Increment(ref _users)}_{Guid.NewGuid():N}"[..20];
        var user = await PostAsync(admin, "/api/users", new
        {
            userName, displayName = userName, email = $"{userName}@example.com", password = UserPassword, roles = roles ?? [], groups = groups ?? [],
        });
        var id = user.GetProperty("id").GetInt64();
        var key = await PostAsync(admin, $"/api/users/{id}/api-keys", new { name = "tests" });
        return new TestUser(id, userName, UserPassword, key.GetProperty("secret").GetString()!);
    }

    /// <summary>POST /v2/deployments with one file in the multipart part "resources", as Camunda's clients send it.</summary>
    public static async Task<HttpResponseMessage> DeployAsync(HttpClient client, string name, string xml)
    {
        using var content = new MultipartFormDataContent();
        var file = new ByteArrayContent(Encoding.UTF8.GetBytes(xml));
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        content.Add(file, "resources", name);
        return await client.PostAsync(new Uri("/v2/deployments", UriKind.Relative), content);
    }

    /// <summary>
    /// A group that may already exist: the host creates the groups the shipped models route to at start-up, and whether
    /// that ran before this call depends on timing, so both "created" and "taken" leave the group there.
    /// </summary>
    public static async Task EnsureGroupAsync(HttpClient admin, string name, string displayName)
    {
        var response = await admin.PostAsJsonAsync("/api/groups", new { name, displayName });
        var text = await response.Content.ReadAsStringAsync();
        (response.StatusCode is System.Net.HttpStatusCode.Created || (response.StatusCode is System.Net.HttpStatusCode.Conflict && text.Contains("is taken", StringComparison.Ordinal)))
            .ShouldBeTrue($"POST /api/groups {name}: {(int)response.StatusCode} {text}");
    }

    public static async Task<JsonElement> PostAsync(HttpClient client, string path, object body)
    {
        var response = await client.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        response.IsSuccessStatusCode.ShouldBeTrue($"POST {path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public T Service<T>() where T : notnull => Services.GetRequiredService<T>();

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }
        await Factory.DisposeAsync();
    }
}

/// <summary>Collects the host's log messages, for tests about what is logged.</summary>
public sealed class LogCapture : ILoggerProvider
{
    public ConcurrentQueue<(LogLevel Level, string Category, string Message)> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    /// <summary>Writes (and forgets) the host's errors so far: a failing API test shows a 500's exception.</summary>
    public void WriteErrorsTo(TextWriter output)
    {
        while (Entries.TryDequeue(out var entry))
        {
            if (entry.Level >= LogLevel.Error)
            {
                output.WriteLine($"[host {entry.Level}] {entry.Category}: {entry.Message}");
            }
        }
    }

    public void Dispose()
    {
    }

    private sealed class Logger(LogCapture capture, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            capture.Entries.Enqueue((logLevel, category, exception is null ? formatter(state, exception) : $"{formatter(state, exception)}\n{exception}"));
    }
}
