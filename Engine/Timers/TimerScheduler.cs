using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Processes.Engine.Cluster;
using Processes.Engine.Execution;
using Processes.Engine.Jobs;
using Processes.Engine.Storage;

namespace Processes.Engine.Timers;

/// <summary>Settings of the timer scheduler (Host section <c>Timers</c>).</summary>
public sealed class TimerSchedulerOptions
{
    /// <summary>This node's id: the <c>claimed_by</c> of the timers it fires.</summary>
    public string NodeId { get; set; } = Jobs.NodeIds.New();

    /// <summary>Most due timers claimed by one query.</summary>
    public int BatchSize { get; set; } = 200;

    /// <summary>Groups of timers fired at once on this node (each group is one engine command, one transaction).</summary>
    public int Concurrency { get; set; } = 4;

    /// <summary>
    /// Most timers fired in one transaction: a burst (thousands due at the opening minute) costs one lock, one load and
    /// one commit per group instead of per timer. 1 fires every timer in its own transaction (one command each).
    /// </summary>
    internal int FireGroupSize { get; set; } = 32;

    /// <summary>A claim not followed by the firing (crash) lets other nodes claim the timer after this long.</summary>
    public TimeSpan ClaimTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Longest sleep without looking at the table, whatever the notifications say.</summary>
    public TimeSpan SafetyPollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often published messages past their time to live are deleted.</summary>
    public TimeSpan MessageCleanupInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Per-minute job counts (<c>job_metrics</c>) older than this are deleted with the expired messages.</summary>
    public TimeSpan MetricsRetention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// A timer handed over to an outside scheduler (Hangfire) is fired by this scheduler only once overdue by this much:
    /// the backstop for a job deleted in the dashboard, lost with a crashed worker, or never created.
    /// </summary>
    public TimeSpan HandoverGrace { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>LISTEN on <c>processes_timers</c> (sent by every timer insert) to wake before the next poll.</summary>
    public bool ListenForNotifications { get; set; } = true;
}

/// <summary>
/// Fires due timers durably: sleeps until the nearest due time (woken early by <c>processes_timers</c>
/// notifications, never longer than the safety poll), claims due timers with SKIP LOCKED in a short transaction
/// and fires them in groups through <see cref="ProcessEngine.TriggerTimersAsync"/>, each group in its own
/// transaction (a group that fails as a whole fires one timer per transaction instead). Timers that fell due while
/// every node was down are due at start-up and fire once then (a cycle does not replay missed firings).
/// </summary>
internal sealed class TimerScheduler(ProcessEngine engine, TimerSchedulerOptions options, ILogger<TimerScheduler>? logger = null)
{
    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;
    private readonly Wakeup _wake = new();
    private long _plannedWakeTicks = DateTimeOffset.MaxValue.UtcTicks;
    private long _fired;
    private volatile bool _claimsStranded;
    private NodeListener? _listener;

    /// <summary>Timers this node fired (the engine ran the firing; already-gone timers are not counted).</summary>
    public long Fired => Interlocked.Read(ref _fired);

    /// <summary>Hears new timers on <paramref name="listener"/> (the node's connection) instead of a listener of its own.</summary>
    internal void ListenOn(NodeListener listener)
    {
        listener.Subscribe(new Subscription("processes_timers", OnNotification, _ => _wake.Set()));
        _listener = listener;
    }

    /// <summary>Whether notifications reach this scheduler now (its listener is connected).</summary>
    internal bool Listening => _listener?.Listening ?? false;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        // Alone (tests, benchmarks) the scheduler listens for itself; on a node it was given the node's listener.
        var listener = Task.CompletedTask;
        if (_listener is null && options.ListenForNotifications)
        {
            var own = new NodeListener(engine.DataSource, _logger);
            ListenOn(own);
            listener = own.RunAsync(cancellationToken);
        }
        var lastCleanup = DateTimeOffset.MinValue;
        var lost = FailurePause.Default();
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                try
                {
                    if (_claimsStranded)
                    {
                        // Firings failed with the database gone: their claims would wait out the claim timeout. Nothing
                        // of this node is firing now, so they go back at once, to whichever node claims them first.
                        await using var connection = await engine.DataSource.OpenConnectionAsync(cancellationToken);
                        await TimerStore.ReleaseClaimsAsync(connection, null, [options.NodeId], cancellationToken);
                        _claimsStranded = false;
                    }
                    while (await FireDueAsync(cancellationToken) == options.BatchSize)
                    {
                        // a full batch: more are due, claim again at once
                    }
                    if (DateTimeOffset.UtcNow - lastCleanup >= options.MessageCleanupInterval)
                    {
                        lastCleanup = DateTimeOffset.UtcNow;
                        await DeleteExpiredMessagesAsync(cancellationToken);
                    }
                    Interlocked.Exchange(ref _plannedWakeTicks, DateTimeOffset.MaxValue.UtcTicks); // until planned, any notification wakes
                    var next = await NextDueAsync(cancellationToken);
                    var sleep = next is { } due ? due - engine.Clock.GetUtcNow() : options.SafetyPollInterval;
                    sleep = sleep < TimeSpan.Zero ? TimeSpan.Zero : sleep > options.SafetyPollInterval ? options.SafetyPollInterval : sleep;
                    if (sleep > TimeSpan.Zero)
                    {
                        Interlocked.Exchange(ref _plannedWakeTicks, (engine.Clock.GetUtcNow() + sleep).UtcTicks);
                        await _wake.WaitAsync(sleep, cancellationToken);
                    }
                    lost.Reset();
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception e)
                {
                    // The database went away: look again within a second (or when the listener is back), not after the safety poll.
                    var pause = ConnectionFaults.ClearPoolIfBroken(engine.DataSource, e) && lost.Next() is var retry && retry < options.SafetyPollInterval
                        ? retry
                        : options.SafetyPollInterval;
                    _logger.LogError(e, "Timer scheduling failed; trying again in {Pause}", pause);
                    try
                    {
                        await _wake.WaitAsync(pause, cancellationToken);
                    }
                    catch (OperationCanceledException)
                    {
                        break;
                    }
                }
            }
        }
        finally
        {
            await ReleaseClaimsAsync();
            await listener;
        }
    }

    /// <summary>
    /// A timer was inserted (payload: the earliest new due time). Only one due before the planned wake-up wakes
    /// the loop, so a burst of new instances does not make every node re-query the table per insert.
    /// </summary>
    private void OnNotification(string payload)
    {
        var planned = Interlocked.Read(ref _plannedWakeTicks);
        if (planned == DateTimeOffset.MaxValue.UtcTicks || !TryParseInstant(payload, out var due) || due.UtcTicks < planned)
        {
            _wake.Set();
        }
    }

    /// <summary>Reads ISO 8601 and PostgreSQL's timestamptz text ("2026-11-22 09:00:00.123+00").</summary>
    internal static bool TryParseInstant(string text, out DateTimeOffset instant)
    {
        if (text.Length > 3 && text[^3] is '+' or '-' && char.IsAsciiDigit(text[^1]) && char.IsAsciiDigit(text[^2]))
        {
            text += ":00";
        }
        return DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out instant);
    }

    /// <summary>
    /// Claims one batch of due timers and fires them; returns how many were claimed. The claimed timers are split
    /// into groups of up to <see cref="TimerSchedulerOptions.FireGroupSize"/> that each fire in one transaction, a
    /// whole instance's timers in the same group (groups then never race for an instance); groups fire in parallel.
    /// </summary>
    internal async Task<int> FireDueAsync(CancellationToken cancellationToken)
    {
        var now = engine.Clock.GetUtcNow().ToUniversalTime();
        ClaimedTimer[] claimed;
        await using (var connection = await engine.DataSource.OpenConnectionAsync(cancellationToken))
        {
            // Durability point: the claim commits alone and its row lock ends here, before the firing locks the rows
            // again in its own transaction. A node dying after this leaves the claim to expire.
            claimed = await TimerStore.ClaimDueAsync(connection, options.NodeId, now, options.ClaimTimeout, options.BatchSize, options.HandoverGrace, cancellationToken);
        }
        if (claimed.Length == 0)
        {
            return 0;
        }
        await Parallel.ForEachAsync(Groups(claimed, options.FireGroupSize), new ParallelOptions { MaxDegreeOfParallelism = options.Concurrency, CancellationToken = cancellationToken },
            async (group, token) =>
            {
                if (group.Count > 1 && await FireGroupAsync(group, token))
                {
                    return;
                }
                foreach (var key in group)
                {
                    await FireOneAsync(key, token);
                }
            });
        return claimed.Length;
    }

    /// <summary>Due order within a group; an instance's timers stay together; groups are cut at whole instances where they can be.</summary>
    internal static List<List<long>> Groups(IReadOnlyList<ClaimedTimer> claimed, int size)
    {
        if (size <= 1)
        {
            return [.. claimed.OrderBy(t => t.DueAt).ThenBy(t => t.Key).Select(t => new List<long> { t.Key })];
        }
        var groups = new List<List<long>>();
        var current = new List<long>();
        foreach (var instance in claimed.OrderBy(t => t.DueAt).ThenBy(t => t.Key).GroupBy(t => t.ProcessInstanceKey ?? -t.Key))
        {
            if (current.Count > 0 && current.Count + instance.Count() > size)
            {
                groups.Add(current);
                current = [];
            }
            current.AddRange(instance.Select(t => t.Key));
        }
        if (current.Count > 0)
        {
            groups.Add(current);
        }
        return groups;
    }

    /// <summary>Fires a group in one transaction; false when the group failed as a whole and its timers must fire one by one.</summary>
    private async Task<bool> FireGroupAsync(List<long> group, CancellationToken cancellationToken)
    {
        CommandResult<IReadOnlyList<long>> result;
        try
        {
            // Durability point (inside the engine): every firing of the group, the timer rows' deletion and the next cycles commit together.
            result = await engine.TriggerTimersAsync(group, cancellationToken);
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException or InvalidOperationException)
        {
            _logger.LogDebug(e, "A group of {Count} timers could not fire together; firing them one by one", group.Count);
            ConnectionFaults.ClearPoolIfBroken(engine.DataSource, e);
            return false;
        }
        if (!result.Ok)
        {
            _logger.LogDebug("A group of {Count} timers could not fire together ({Message}); firing them one by one", group.Count, result.Message);
            return false;
        }
        Interlocked.Add(ref _fired, result.Value!.Count);
        return true;
    }

    private async Task FireOneAsync(long key, CancellationToken cancellationToken)
    {
        // Durability point (inside the engine): the firing, the timer row's deletion and the next cycle commit together.
        CommandResult<bool> result;
        try
        {
            result = await engine.TriggerTimerAsync(key, cancellationToken);
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException or InvalidOperationException)
        {
            // One timer's trouble does not hold up the batch; its claim expires and it is tried again, or goes back at the
            // next round when the database was lost.
            _logger.LogWarning(e, "Timer {TimerKey} could not fire; it is tried again when its claim expires", key);
            if (ConnectionFaults.ClearPoolIfBroken(engine.DataSource, e))
            {
                _claimsStranded = true;
            }
            return;
        }
        if (result is { Ok: true, Value: true })
        {
            Interlocked.Increment(ref _fired);
        }
        else if (!result.Ok)
        {
            // The claim stays until it expires: the timer is tried again then, not in a tight loop.
            _logger.LogWarning("Timer {TimerKey} could not fire: {Message}", key, result.Message);
        }
    }

    private async Task<DateTimeOffset?> NextDueAsync(CancellationToken cancellationToken)
    {
        await using var connection = await engine.DataSource.OpenConnectionAsync(cancellationToken);
        return await TimerStore.NextDueAsync(connection, options.HandoverGrace, cancellationToken);
    }

    /// <summary>Housekeeping: messages past their time to live, and job metrics past their retention.</summary>
    private async Task DeleteExpiredMessagesAsync(CancellationToken cancellationToken)
    {
        await using var connection = await engine.DataSource.OpenConnectionAsync(cancellationToken);
        var deleted = await MessageStore.DeleteExpiredAsync(connection, engine.Clock.GetUtcNow(), cancellationToken);
        if (deleted > 0)
        {
            _logger.LogDebug("Deleted the correlation records of expired messages: {Count}", deleted);
        }
        await JobMetricsBuffer.DeleteBeforeAsync(connection, engine.Clock.GetUtcNow() - options.MetricsRetention, cancellationToken);
    }

    /// <summary>On shutdown: timers this node claimed but did not fire are free for the others at once.</summary>
    private async Task ReleaseClaimsAsync()
    {
        try
        {
            await using var connection = await engine.DataSource.OpenConnectionAsync(CancellationToken.None);
            await TimerStore.ReleaseClaimsAsync(connection, null, [options.NodeId], CancellationToken.None);
        }
#pragma warning disable CA1031 // the claims then expire on their own
        catch (Exception e)
#pragma warning restore CA1031
        {
            _logger.LogWarning(e, "Could not release this node's timer claims; they expire on their own");
        }
    }
}
