using System.Data;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Processes.Engine.Deployment;
using Processes.Engine.Dmn;
using Processes.Engine.Execution.State;
using Processes.Engine.Feel;
using Processes.Engine.Storage;

namespace Processes.Engine.Execution;

/// <summary>
/// The engine's commands. Each runs in one PostgreSQL transaction: load the instance(s), run the steps in
/// memory, write every change with an optimistic check, commit. A command that loses a race with another on the
/// same instance is retried from scratch (it reloads what the winner wrote); after a few tries it reports a conflict.
/// </summary>
internal sealed partial class ProcessEngine : IProcessEngine
{
    private const int MaxAttempts = 5;
    private readonly NpgsqlDataSource _dataSource;
    private readonly InstanceStore _store;
    private readonly KeyGenerator _keys;
    private readonly Expressions _expressions;
    private readonly CalendarCache _calendars;
    private readonly DecisionDefinitions _decisions;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;

    public ProcessEngine(NpgsqlDataSource dataSource, ProcessDefinitions definitions, TimeProvider clock, ILogger<ProcessEngine>? logger = null,
        DecisionDefinitions? decisions = null)
    {
        _decisions = decisions ?? new DecisionDefinitions(dataSource);
        _dataSource = dataSource;
        _store = new InstanceStore(definitions);
        _keys = new KeyGenerator(dataSource);
        _clock = clock;
        _expressions = new Expressions(new FeelExpressionCache(), clock);
        _calendars = new CalendarCache(new Calendars.CalendarStore(dataSource), clock);
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        UserTasks = new UserTaskStore(dataSource);
        Retention = new Retention.InstancePurge(dataSource);
    }

    /// <summary>User tasks for readers outside the commands (job handlers, the SLA round); commands change them.</summary>
    public UserTaskStore UserTasks { get; }

    /// <summary>Purges finished instances and expired buffered messages.</summary>
    public Retention.InstancePurge Retention { get; }

    public TimeProvider Clock => _clock;

    /// <summary>Races this engine's commands lost: retried, and given up on as <see cref="CommandError.Conflict"/>.</summary>
    public CommandConflicts Conflicts { get; } = new();

    /// <summary>How much variable data a command may bring and an element may store (the host binds it from configuration).</summary>
    public VariableLimits Limits { get; } = new();

    internal NpgsqlDataSource DataSource => _dataSource;

    internal KeyGenerator Keys => _keys;

    internal DecisionDefinitions Decisions => _decisions;

    internal ProcessDefinitions Definitions => _store.Definitions;

    /// <summary>Set after a batch operation became ACTIVE (created, resumed) on this node or another: wakes this node's batch runner.</summary>
    internal Cluster.Wakeup BatchesWaiting { get; } = new();

    private delegate Task<CommandResult<T>> CommandBody<T>(Execution x, NpgsqlConnection connection, NpgsqlTransaction transaction);

    /// <summary>A command that brings variables: refused before any work when they are over the limits.</summary>
    private Task<CommandResult<T>> ExecuteAsync<T>(string name, JsonObject? variables, CommandBody<T> body, CancellationToken cancellationToken) =>
        Limits.Check(variables) is { } problem
            ? Task.FromResult(CommandResult<T>.Fail(CommandError.InvalidArgument, problem))
            : ExecuteAsync(name, body, cancellationToken);

    private async Task<CommandResult<T>> ExecuteAsync<T>(string name, CommandBody<T> body, CancellationToken cancellationToken)
    {
        var claim = Idempotency.IdempotencyClaim.Take();
        var batchItem = Batches.BatchItemClaim.Take();
        if (claim?.Replay<T>() is { } replayed)
        {
            // A retry of a request whose command committed before its answer was stored: the first outcome, not a second effect.
            return replayed;
        }
        // One span and one measurement per command, retries included: what a caller waited for.
        using var activity = Telemetry.EngineTelemetry.StartCommand(name);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var outcome = "error";
        var committed = new System.Runtime.CompilerServices.StrongBox<Execution?>();
        try
        {
            var result = await AttemptAsync(name, body, claim, batchItem, committed, cancellationToken);
            outcome = result.Ok ? "ok" : result.Error == CommandError.Conflict ? "conflict" : "refused";
            return result;
        }
        finally
        {
            Telemetry.EngineTelemetry.Finish(activity, name, outcome, System.Diagnostics.Stopwatch.GetElapsedTime(started), committed.Value);
        }
    }

    /// <summary>The command's attempts; <paramref name="committed"/> receives the execution that committed, for the telemetry.</summary>
    private async Task<CommandResult<T>> AttemptAsync<T>(string name, CommandBody<T> body, Idempotency.IdempotencyClaim? claim,
        Batches.BatchItemClaim? batchItem, System.Runtime.CompilerServices.StrongBox<Execution?> committed, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);
            // The command's look-ups (definitions, calendars, decisions, keys, catalogues) read on this connection: never a second one.
            using var lookups = CommandConnection.Enter(_dataSource, connection, transaction);
            var x = new Execution(_keys, _expressions, _calendars, _clock.GetUtcNow().ToUniversalTime()) { Limits = Limits };
            try
            {
                if (claim is not null && claim.Replay<T>(await claim.LockAsync(connection, transaction, cancellationToken)) is { } replayed)
                {
                    // Another request with the key (on another host, or before this one read it) committed while this one waited.
                    await transaction.RollbackAsync(cancellationToken);
                    return replayed;
                }
                var result = await body(x, connection, transaction);
                if (!result.Ok)
                {
                    await transaction.RollbackAsync(cancellationToken);
                    return result;
                }
                await RunAsync(x, connection, transaction, cancellationToken);
                await ChangeWriter.WriteAsync(connection, transaction, x.Instances.Values, x.Changes, cancellationToken);
                if (claim is not null)
                {
                    await claim.RecordAsync(connection, transaction, result.Value, cancellationToken);
                }
                if (batchItem is not null)
                {
                    await batchItem.RecordAsync(connection, transaction, result.Value, x.Now, cancellationToken);
                }
                // Durability point: the command's state change and everything it implies are committed together here.
                await transaction.CommitAsync(cancellationToken);
                committed.Value = x;
                return result;
            }
            catch (Exception e) when (IsRace(e) && attempt < MaxAttempts)
            {
                await transaction.RollbackAsync(CancellationToken.None);
                Conflicts.CountRetry();
                _logger.LogDebug("Command {Command} lost a race (attempt {Attempt}): {Reason}", name, attempt, e.Message);
                await Task.Delay(Random.Shared.Next(1, 10 * attempt), cancellationToken);
            }
            catch (Exception e) when (IsRace(e))
            {
                await transaction.RollbackAsync(CancellationToken.None);
                Conflicts.CountReported();
                return CommandResult<T>.Fail(CommandError.Conflict, $"{name} kept conflicting with concurrent commands on the same instance; try again.");
            }
            catch (ExecutionLimitException e)
            {
                await transaction.RollbackAsync(CancellationToken.None);
                return CommandResult<T>.Fail(e.IsVariableLimit ? CommandError.InvalidArgument : CommandError.InvalidState, e.Message);
            }
        }
    }

    // Unique keys checked before they are written lose races too: two starts with one business key, or two
    // messages starting an instance with one correlation key (two message start events). The loser's retry sees
    // the winner's row and answers as if it had come second (AlreadyExists; no second instance).
    private static bool IsRace(Exception e) => e is ConcurrencyConflictException ||
        e is PostgresException { SqlState: PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected } ||
        e is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: "process_instance_business_key" or "message_start_key_unique" };

    /// <summary>Loads an instance and every instance above it (call activities reach up), once per command.</summary>
    private async Task<InstanceState?> LoadAsync(Execution x, NpgsqlConnection connection, NpgsqlTransaction transaction, long key, CancellationToken cancellationToken)
    {
        if (x.Instances.TryGetValue(key, out var loaded))
        {
            return loaded;
        }
        var instance = await _store.LoadAsync(connection, transaction, key, cancellationToken);
        if (instance is null || !Visibility.TenantScope.Allows(instance.Row.TenantId))
        {
            return null; // another tenant's instance does not exist for this command's caller
        }
        x.Instances[key] = instance;
        if (instance.Row.ParentProcessInstanceKey is { } parent)
        {
            await LoadAsync(x, connection, transaction, parent, cancellationToken);
        }
        return instance;
    }

    /// <summary>
    /// Runs the steps, then the follow-ups they asked for (which may add steps), until nothing is left. A group's part
    /// (one of several completions or firings in one command) leaves the release of message start keys to the
    /// command's last run (<paramref name="releaseStartKeys"/> false): one statement for every instance the group
    /// ended instead of a round trip per part, in the same transaction.
    /// </summary>
    private async Task RunAsync(Execution x, NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken,
        bool releaseStartKeys = true)
    {
        var correlated = new HashSet<(long, string)>();
        while (true)
        {
            x.Run();
            if (!x.FollowUps.TryDequeue(out var followUp))
            {
                if (releaseStartKeys && await ReleaseMessageStartKeysAsync(x, connection, transaction, x.StartKeysReleased, cancellationToken))
                {
                    continue; // a buffered message started the next instance for a freed correlation key
                }
                return;
            }
            switch (followUp)
            {
                case CreateChildInstance create:
                    await CreateChildAsync(x, connection, transaction, create, cancellationToken);
                    break;
                case TerminateChildInstance terminate:
                    if (await LoadAsync(x, connection, transaction, terminate.ChildInstanceKey, cancellationToken) is { IsActive: true, Root: { } root } child)
                    {
                        x.Enqueue(() => x.Terminate(child, root));
                    }
                    break;
                case CorrelateBufferedMessage subscription:
                    await CorrelateBufferedAsync(x, connection, transaction, subscription, correlated, cancellationToken);
                    break;
                case EvaluateDecision evaluate:
                    await EvaluateDecisionAsync(x, evaluate, cancellationToken);
                    break;
                case BroadcastSignal signal:
                    await BroadcastAsync(x, connection, transaction, signal.TenantId, signal.Name, signal.Variables, cancellationToken);
                    break;
                case SlaPauseByModel trigger:
                    await SlaPauseByModelAsync(x, connection, transaction, trigger, cancellationToken);
                    break;
            }
        }
    }

    private async Task CreateChildAsync(Execution x, NpgsqlConnection connection, NpgsqlTransaction transaction, CreateChildInstance create,
        CancellationToken cancellationToken)
    {
        var parent = x.Instances[create.ParentInstanceKey];
        if (parent.Find(create.CallActivityInstanceKey) is not { } callActivity)
        {
            return;
        }
        // Deployment and version-tag bindings resolve to the latest deployed version here (one definition store), always
        // within the caller's tenant: another tenant's process of the same id is never started.
        var definition = await _store.DefinitionAsync(parent.Row.TenantId, create.ProcessId, null, cancellationToken);
        if (definition is null)
        {
            x.RaiseIncident(parent, callActivity, IncidentTypes.CalledElementError,
                $"Expected process with BPMN process id '{create.ProcessId}' to be deployed, but not found.");
            return;
        }
        if (definition.Model.Scope.NoneStartEvent is null)
        {
            x.RaiseIncident(parent, callActivity, IncidentTypes.CalledElementError,
                $"Expected process with BPMN process id '{create.ProcessId}' to have a none start event, but it has none.");
            return;
        }
        if (await Deployment.VersionSuspension.IsSuspendedAsync(connection, transaction, definition.Key, cancellationToken))
        {
            // An incident, not a silent wait: the operator sees why, and retries it once an admin resumes the version.
            x.RaiseIncident(parent, callActivity, IncidentTypes.CalledElementError,
                $"Process '{create.ProcessId}' version {definition.Version} is suspended: it starts no new instances until an admin resumes it.");
            return;
        }
        var child = NewInstance(x, definition, create.Variables, businessKey: null, startElementId: null, parent, callActivity);
        callActivity.Data.CalledProcessInstanceKey = child.Key;
        callActivity.IsDirty = true;
    }

    /// <summary>A new instance in memory, its variables set and its activation queued.</summary>
    private static InstanceState NewInstance(Execution x, ExecutableDefinition definition, JsonObject? variables, string? businessKey,
        string? startElementId, InstanceState? parent = null, ElementInstance? callActivity = null, string[]? tags = null)
    {
        var key = x.Keys.Next();
        var row = new ProcessInstanceRow
        {
            Key = key,
            ProcessDefinitionKey = definition.Key,
            BpmnProcessId = definition.BpmnProcessId,
            ProcessVersion = definition.Version,
            TenantId = definition.TenantId,
            BusinessKey = businessKey,
            Tags = tags ?? [],
            ParentProcessInstanceKey = parent?.Key,
            ParentElementInstanceKey = callActivity?.Key,
            RootProcessInstanceKey = parent?.Row.RootProcessInstanceKey ?? key,
            StartedAt = x.Now,
        };
        var instance = new InstanceState(row, definition, isNew: true);
        x.Instances[key] = instance;
        var root = new ElementInstance
        {
            Key = key,
            ProcessInstanceKey = key,
            ElementId = definition.BpmnProcessId,
            ActivatedAt = x.Now,
            IsNew = true,
            IsDirty = true,
            StartElementId = startElementId,
        };
        instance.Add(root);
        x.History(instance, root, HistoryEvents.ProcessInstanceCreated, new JsonObject
        {
            ["bpmnProcessId"] = definition.BpmnProcessId,
            ["version"] = definition.Version,
            ["processDefinitionKey"] = definition.Key,
            ["businessKey"] = businessKey,
            ["parentProcessInstanceKey"] = parent?.Key,
        });
        x.History(instance, root, HistoryEvents.ElementActivating);
        foreach (var (name, value) in variables ?? [])
        {
            x.SetVariable(instance, key, name, value, local: true);
        }
        x.Enqueue(() => x.ContinueActivation(instance, root));
        return instance;
    }
}
