using Dapper;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Processes.Engine.Storage;

namespace Processes.Engine.Cluster;

/// <summary>Settings of this node's membership (Host section <c>Cluster</c>).</summary>
public sealed class ClusterOptions
{
    /// <summary>Must equal the executor's and scheduler's node id: leases and claims are released by it.</summary>
    public string NodeId { get; set; } = Jobs.NodeIds.New();

    public string HostName { get; set; } = Environment.MachineName;

    public string Version { get; set; } = typeof(ClusterOptions).Assembly.GetName().Version?.ToString() ?? "";

    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A node silent for this many heartbeat intervals is dead.</summary>
    public int DeadAfterMissedHeartbeats { get; set; } = 3;
}

/// <summary>What reaping dead nodes did.</summary>
internal readonly record struct ReapResult(int DeadNodes, int ReleasedJobs, int ReleasedTimers);

/// <summary>
/// This node's row in <c>engine_node</c>: registered at start, a heartbeat (with its load) every interval, removed
/// on graceful shutdown. Each heartbeat also reaps nodes silent for too long: their job leases are made
/// activatable and their timer claims freed at once, instead of waiting for the leases to expire. Heartbeat times
/// are the database's <c>now()</c>, so clock skew between hosts does not kill anyone.
/// </summary>
internal sealed class ClusterMember
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly ClusterOptions _options;
    private readonly Func<(int Running, int Max)> _load;
    private readonly ILogger _logger;

    public ClusterMember(NpgsqlDataSource dataSource, ClusterOptions options, Func<(int Running, int Max)>? load = null, ILogger<ClusterMember>? logger = null)
    {
        _dataSource = dataSource;
        _options = options;
        _load = load ?? (() => (0, 0));
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    public string NodeId => _options.NodeId;

    /// <summary>Registers, heartbeats until cancelled, then removes the node row.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                try
                {
                    var reaped = await HeartbeatAsync(cancellationToken);
                    if (reaped.DeadNodes > 0)
                    {
                        _logger.LogWarning("{Nodes} node(s) stopped heartbeating: released {Jobs} job lease(s) and {Timers} timer claim(s)",
                            reaped.DeadNodes, reaped.ReleasedJobs, reaped.ReleasedTimers);
                    }
                }
                catch (Exception e) when (e is NpgsqlException or TimeoutException)
                {
                    ConnectionFaults.ClearPoolIfBroken(_dataSource, e);
                    _logger.LogWarning(e, "Heartbeat failed; trying again in {Interval}", _options.HeartbeatInterval);
                }
                await Task.Delay(_options.HeartbeatInterval, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            await LeaveAsync(CancellationToken.None);
        }
    }

    /// <summary>Upserts this node's row (heartbeat and load) and reaps dead nodes, in one transaction.</summary>
    public async Task<ReapResult> HeartbeatAsync(CancellationToken cancellationToken)
    {
        var (running, max) = _load();
        var deadAfter = TimeSpan.FromTicks(_options.HeartbeatInterval.Ticks * Math.Max(1, _options.DeadAfterMissedHeartbeats));
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO engine_node (node_id, host_name, started_at, heartbeat_at, version, running_jobs, max_jobs)
            VALUES (@node, @host, now(), now(), @version, @running, @max)
            ON CONFLICT (node_id) DO UPDATE SET heartbeat_at = now(), running_jobs = @running, max_jobs = @max
            """, new { node = _options.NodeId, host = _options.HostName, version = _options.Version, running, max }, transaction, cancellationToken: cancellationToken));
        var dead = (await connection.QueryAsync<string>(new CommandDefinition(
            "DELETE FROM engine_node WHERE heartbeat_at < now() - @deadAfter AND node_id <> @node RETURNING node_id",
            new { node = _options.NodeId, deadAfter }, transaction, cancellationToken: cancellationToken))).ToList();
        // The dead nodes' work goes back through the stores that own it, in this transaction.
        var jobs = dead.Count == 0 ? 0 : await JobStore.ReleaseLeasesAsync(connection, transaction, dead, cancellationToken);
        var timers = dead.Count == 0 ? 0 : await TimerStore.ReleaseClaimsAsync(connection, transaction, dead, cancellationToken);
        // Durability point: the heartbeat and the take-over of dead nodes' work commit together.
        await transaction.CommitAsync(cancellationToken);
        return new ReapResult(dead.Count, jobs, timers);
    }

    /// <summary>Graceful leave: the row goes (run after the executor and scheduler have handed back their work).</summary>
    public async Task LeaveAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
            await connection.ExecuteAsync(new CommandDefinition("DELETE FROM engine_node WHERE node_id = @node",
                new { node = _options.NodeId }, cancellationToken: cancellationToken));
        }
        catch (NpgsqlException e)
        {
            _logger.LogWarning(e, "Could not remove node {Node}; the others reap it when its heartbeat is stale", _options.NodeId);
        }
    }
}
