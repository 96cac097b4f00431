using Hangfire;
using Hangfire.Logging;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Hangfire.Server;
using Hangfire.States;
using Hangfire.Storage;
using Processes.Host.Postgres;

namespace Processes.Host.Hangfire;

/// <summary>
/// Hangfire's storage on the host's database, in its own schema (Hangfire.PostgreSql creates and migrates it). Built on
/// first use, once the database has started: the dashboard and the server are wired at start-up, before the embedded
/// server or a configured one is up, and must not make the host's start wait for (or fail with) the database.
/// </summary>
internal sealed class HangfireStorage(ProcessesDatabase database, HangfireOptions options) : JobStorage
{
    // PublicationOnly: a failed start (database unreachable) is not cached; the next use tries again.
    private readonly Lazy<JobStorage> _storage = new(() => Create(database, options), LazyThreadSafetyMode.PublicationOnly);

    private JobStorage Inner => _storage.Value;

    private static PostgreSqlStorage Create(ProcessesDatabase database, HangfireOptions options)
    {
        database.EnsureStartedAsync().GetAwaiter().GetResult();
        // The string carries the credentials (the embedded server's too): the long-poll listener reconnects from it.
        var connectionString = database.ConnectionString ?? throw new InvalidOperationException("The database has not started.");
        var storageOptions = new PostgreSqlStorageOptions
        {
            SchemaName = options.SchemaName,
            PrepareSchemaIfNecessary = true,
            // Every node listens, or workers in another process wait out the queue poll (15 s by default).
            EnableLongPolling = true,
            QueuePollInterval = options.QueuePollInterval,
            // A crashed worker's job comes back after the invisibility timeout; sliding keeps long firings from being
            // taken twice, and a fixed 30 min would leave a lost firing to the engine's backstop anyway.
            UseSlidingInvisibilityTimeout = true,
            InvisibilityTimeout = TimeSpan.FromMinutes(5),
        };
        return new PostgreSqlStorage(new NpgsqlConnectionFactory(connectionString, storageOptions), storageOptions);
    }

    public override IMonitoringApi GetMonitoringApi() => Inner.GetMonitoringApi();

    public override IStorageConnection GetConnection() => Inner.GetConnection();

    public override IStorageConnection GetReadOnlyConnection() => Inner.GetReadOnlyConnection();

#pragma warning disable CS0618 // delegated as Hangfire still calls it
    [Obsolete("Hangfire's own obsolete member, delegated.")]
    public override IEnumerable<IServerComponent> GetComponents() => Inner.GetComponents();
#pragma warning restore CS0618

    public override IEnumerable<IStateHandler> GetStateHandlers() => Inner.GetStateHandlers();

    public override void WriteOptionsToLog(ILog logger) => Inner.WriteOptionsToLog(logger);

    public override bool HasFeature(string featureId) => Inner.HasFeature(featureId);

    public override bool LinearizableReads => Inner.LinearizableReads;

    public override string ToString() => $"PostgreSQL, schema {options.SchemaName}";
}

/// <summary>Section <c>Processes:Hangfire</c>: Hangfire in the host, and the timers it drives.</summary>
public sealed class HangfireOptions
{
    /// <summary>Run Hangfire (server, timer handover, recurring maintenance, dashboard); off, the engine fires every timer itself.</summary>
    public bool Enabled { get; set; }

    public string SchemaName { get; set; } = "hangfire";

    /// <summary>How often due scheduled jobs are moved to the queue: ~1 s (0 is a busy loop of commits).</summary>
    public TimeSpan SchedulePollingInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The fallback when a notification is missed; long polling wakes workers at once.</summary>
    public TimeSpan QueuePollInterval { get; set; } = TimeSpan.FromSeconds(15);

    public int WorkerCount { get; set; } = 4;

    /// <summary>Cron of the recurring retention purge (finished instances, expired buffered messages).</summary>
    public string MaintenanceCron { get; set; } = "*/10 * * * *";
}
