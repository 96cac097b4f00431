using Microsoft.Extensions.Options;
using Npgsql;
using Processes.Engine.Storage;

namespace Processes.Host.Postgres;

/// <summary>
/// The host's one database: the configured server (ConnectionStrings:Processes) or, without one, the embedded
/// cluster. Started and migrated once, on first use or at host start, whichever comes first.
/// </summary>
public sealed class ProcessesDatabase : IAsyncDisposable
{
    private readonly string? _configuredConnectionString;
    private readonly EmbeddedPostgresOptions _embeddedOptions;
    private readonly ILoggerFactory _loggerFactory;
    private readonly Lock _gate = new();
    private Task<NpgsqlDataSource>? _start;
    private EmbeddedPostgres? _embedded;

    public ProcessesDatabase(IConfiguration configuration, IOptions<EmbeddedPostgresOptions> embeddedOptions, ILoggerFactory loggerFactory)
    {
        _configuredConnectionString = configuration.GetConnectionString("Processes");
        _embeddedOptions = embeddedOptions.Value;
        _loggerFactory = loggerFactory;
    }

    /// <summary>The schema version this build needs (the newest embedded migration).</summary>
    public int SchemaVersion { get; } = MigrationScript.Embedded.Count == 0 ? 0 : MigrationScript.Embedded[^1].Version;

    public EmbeddedPostgres? Embedded => _embedded;

    /// <summary>
    /// The connection string of the started database, credentials included (the data source's own hides the password):
    /// for Hangfire's storage, whose long-poll listener opens its own connections from a string.
    /// </summary>
    internal string? ConnectionString { get; private set; }

    /// <summary>The start in progress or done, without starting one; null before the first attempt.</summary>
    public Task<NpgsqlDataSource>? CurrentStart
    {
        get
        {
            lock (_gate)
            {
                return _start;
            }
        }
    }

    /// <summary>Starts and migrates once; after a transient failure (server unreachable) the next call tries again.</summary>
    public Task<NpgsqlDataSource> EnsureStartedAsync()
    {
        lock (_gate)
        {
            if (_start is null || (_start.IsFaulted && IsTransient(_start.Exception!.InnerException)))
            {
                _start = StartAsync(CancellationToken.None);
            }
            return _start;
        }
    }

    /// <summary>
    /// For background services: waits until the database is up, trying again every few seconds while a configured
    /// server is unreachable. Null when the host stops first.
    /// </summary>
    public async Task<NpgsqlDataSource?> WaitUntilStartedAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                return await EnsureStartedAsync().WaitAsync(stopping);
            }
            catch (OperationCanceledException)
            {
                return null;
            }
            catch (Exception e) when (IsTransient(e))
            {
                await Task.Delay(TimeSpan.FromSeconds(5), stopping).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
        return null;
    }

    /// <summary>
    /// <see cref="EnsureStartedAsync"/> for services that reach the database only through the engine's facade and
    /// stores (resolved from DI once this completes): they have no use for the data source itself.
    /// </summary>
    public Task EnsureReadyAsync() => EnsureStartedAsync();

    /// <summary>The start-up as the readiness check sees it (null: not begun), without the data source.</summary>
    public Task? Start => CurrentStart;

    /// <summary>The schema version applied in the started database (the migrator's <c>schema_migration</c>).</summary>
    public async Task<int> AppliedSchemaVersionAsync(CancellationToken cancellationToken) =>
        await new Migrator(await EnsureStartedAsync().WaitAsync(cancellationToken)).AppliedVersionAsync(cancellationToken);

    /// <summary>Whether a failure means the server cannot be reached (or answered with an error), as opposed to a bug.</summary>
    public static bool IsUnreachable(Exception error) => error is NpgsqlException;

    /// <summary>Whether the database has started and been migrated (without waiting for it).</summary>
    public bool IsReady => CurrentStart is { IsCompletedSuccessfully: true };

    /// <summary><see cref="WaitUntilStartedAsync"/> without the data source: false when the host stops first.</summary>
    public async Task<bool> WaitUntilReadyAsync(CancellationToken stopping) => await WaitUntilStartedAsync(stopping) is not null;

    /// <summary>For DI: services that need the database wait here for the start-up they depend on.</summary>
    public NpgsqlDataSource DataSource => EnsureStartedAsync().GetAwaiter().GetResult();

    /// <summary>
    /// Failures worth retrying: the database is away (stopped, unreachable, failing over: <see cref="ConnectionFaults.IsBroken"/>,
    /// the engine's own predicate), as opposed to a broken schema or setup.
    /// </summary>
    private static bool IsTransient(Exception? error) => ConnectionFaults.IsBroken(error);

    /// <summary>Statements Npgsql prepares per connection once used a few times, unless the connection string says otherwise.</summary>
    internal const int AutoPreparedStatements = 128;

    private async Task<NpgsqlDataSource> StartAsync(CancellationToken cancellationToken)
    {
        string connectionString;
        if (string.IsNullOrWhiteSpace(_configuredConnectionString))
        {
            _embedded ??= new EmbeddedPostgres(_embeddedOptions, _loggerFactory.CreateLogger<EmbeddedPostgres>());
            await _embedded.StartAsync(cancellationToken);
            connectionString = _embedded.ConnectionString;
        }
        else
        {
            connectionString = _configuredConnectionString;
        }
        ConnectionString = PoolBounds.Apply(connectionString, PoolBounds.HangfirePoolSize);
        var builder = new NpgsqlDataSourceBuilder(PoolBounds.Apply(connectionString, PoolBounds.EnginePoolSize)) { Name = "processes" };
        if (!connectionString.Contains("Auto Prepare", StringComparison.OrdinalIgnoreCase))
        {
            // Profiled (benchmark suite `profile`): planning was half the server time of a command's statements. The
            // engine sends the same few dozen statements over and over, so they are prepared once per connection.
            builder.ConnectionStringBuilder.MaxAutoPrepare = AutoPreparedStatements;
        }
        builder.UseLoggerFactory(_loggerFactory);
        var dataSource = builder.Build();
        try
        {
            await new Migrator(dataSource, _loggerFactory.CreateLogger<Migrator>()).MigrateAsync(cancellationToken);
        }
        catch
        {
            await dataSource.DisposeAsync();
            throw;
        }
        return dataSource;
    }

    public async ValueTask DisposeAsync()
    {
        var start = CurrentStart;
        if (start is { IsCompletedSuccessfully: true })
        {
            await start.Result.DisposeAsync();
        }
        if (_embedded is not null)
        {
            await _embedded.DisposeAsync();
        }
    }
}

/// <summary>
/// Starts (and migrates) the database before the host accepts requests; stops the embedded server last.
/// A configured server that is unreachable does not stop the host: it stays live, reports not ready, and retries.
/// </summary>
internal sealed partial class DatabaseStartup(ProcessesDatabase database, ILogger<DatabaseStartup> logger) : IHostedService
{
    private static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(5);
    private readonly CancellationTokenSource _stopping = new();
    private Task? _retrying;
    private int _stopped;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await database.EnsureStartedAsync().WaitAsync(cancellationToken);
        }
        catch (Exception e) when (ConnectionFaults.IsBroken(e))
        {
            LogUnreachable(logger, e.Message, RetryInterval.TotalSeconds);
            _retrying = RetryAsync(_stopping.Token);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // Stop can come twice (WebApplicationFactory stops the host while Program's app.Run stops it too on the
        // same signal); only the first one acts, so the second cannot touch a disposed token source.
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }
        await _stopping.CancelAsync();
        if (_retrying is not null)
        {
            await _retrying;
        }
        await database.DisposeAsync();
        _stopping.Dispose();
    }

    private async Task RetryAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(RetryInterval, stopping);
                await database.EnsureStartedAsync().WaitAsync(stopping);
                return;
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception e) when (ConnectionFaults.IsBroken(e))
            {
                LogUnreachable(logger, e.Message, RetryInterval.TotalSeconds);
            }
            catch (Exception e)
            {
                LogFailed(logger, e);
                return;
            }
        }
    }

    [LoggerMessage(LogLevel.Error, "The database is unreachable ({Reason}); the host stays up, not ready, and tries again every {Seconds} s.")]
    private static partial void LogUnreachable(ILogger logger, string reason, double seconds);

    [LoggerMessage(LogLevel.Critical, "The database could not be set up; the host stays not ready.")]
    private static partial void LogFailed(ILogger logger, Exception error);
}

public static class DatabaseRegistration
{
    public static IHostApplicationBuilder AddProcessesDatabase(this IHostApplicationBuilder builder)
    {
        builder.Services.Configure<EmbeddedPostgresOptions>(builder.Configuration.GetSection("Postgres"));
        builder.Services.AddSingleton<ProcessesDatabase>();
        builder.Services.AddSingleton(sp => sp.GetRequiredService<ProcessesDatabase>().DataSource);
        // Registered before every other hosted service: they start after it and stop before it.
        builder.Services.AddHostedService<DatabaseStartup>();
        builder.Services.AddExceptionHandler<DatabaseFaultHandler>();
        builder.Services.AddHostedService<FailoverWatch>();
        return builder;
    }
}
