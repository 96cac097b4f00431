namespace Processes.Engine.Jobs;

/// <summary>Settings of the in-process job executor (Host section <c>Jobs</c>).</summary>
public sealed class JobExecutorOptions
{
    /// <summary>This node's id: the <c>worker</c> of every job lease it takes, and its row in <c>engine_node</c>.</summary>
    public string NodeId { get; set; } = NodeIds.New();

    /// <summary>Handlers running at once on this node.</summary>
    public int MaxConcurrency { get; set; } = 16;

    /// <summary>Most jobs activated by one poll (one SKIP LOCKED query per type).</summary>
    public int BatchSize { get; set; } = 32;

    /// <summary>
    /// How long a job's lease lasts. The executor renews the leases of its running handlers every third of it, so
    /// this bounds how long a job waits after its node died or hung, not how long a handler may run.
    /// </summary>
    public TimeSpan LeaseTimeout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Idle polling starts at this interval after an empty poll ...</summary>
    public TimeSpan MinPollInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>... and doubles up to this one; a <c>processes_jobs</c> notification cuts it short.</summary>
    public TimeSpan MaxPollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>After a notification, wait this long before polling so that jobs created together are taken together.</summary>
    public TimeSpan NotificationCoalescing { get; set; } = TimeSpan.FromMilliseconds(10);

    /// <summary>How often expired leases (of any worker) are made activatable again.</summary>
    public TimeSpan LeaseRecoveryInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often per-minute success/failure counts are written to <c>job_metrics</c>.</summary>
    public TimeSpan MetricsFlushInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// On shutdown, running handlers get this long to finish before their leases are handed back. Keep it below
    /// the host's own shutdown timeout (ASP.NET Core: 30 s by default) so the hand-back still happens.
    /// </summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Back-off of retryable failures that do not name their own.</summary>
    public RetryBackOff BackOff { get; set; } = RetryBackOff.Default;

    /// <summary>Per job type back-off overrides.</summary>
    public Dictionary<string, RetryBackOff> BackOffByType { get; } = new(StringComparer.Ordinal);

    /// <summary>LISTEN on <c>processes_jobs</c> to pick up new jobs without waiting for the next poll.</summary>
    public bool ListenForNotifications { get; set; } = true;

    public RetryBackOff BackOffFor(string type) => BackOffByType.GetValueOrDefault(type) ?? BackOff;
}

/// <summary>Node ids: host name, process id and a random suffix, so a restarted process is a new node.</summary>
internal static class NodeIds
{
    public static string New() => $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}";
}
