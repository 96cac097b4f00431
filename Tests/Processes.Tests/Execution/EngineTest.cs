using System.Text;
using System.Text.Json.Nodes;
using Dapper;
using Processes.Engine.Deployment;
using Processes.Engine.Execution;
using Processes.Tests.Storage;

namespace Processes.Tests.Execution;

/// <summary>
/// A clock tests move by hand, so timers and SLAs are tested without waiting. Thread-safe: a host's background
/// services (timer scheduler, job executor) read it while the test moves it.
/// </summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private long _ticks = start.UtcTicks;

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);

    public void Set(DateTimeOffset now) => Interlocked.Exchange(ref _ticks, now.UtcTicks);
}

/// <summary>
/// Base of the engine's behaviour tests (Zeebe style): deploy a small model, run commands, assert on state and
/// history — on the fixture's own PostgreSQL database.
/// </summary>
public abstract class EngineTest : DatabaseTest
{
    private protected ProcessEngine Engine { get; private set; } = null!;

    private protected ManualClock Clock { get; private set; } = null!;

    private protected ProcessDefinitions Definitions { get; private set; } = null!;

    /// <summary>Every test starts at this instant (Monday 23 Nov 2026, 09:00 UTC), whatever the tests before it advanced.</summary>
    private protected static readonly DateTimeOffset StartTime = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);

    [SetUp]
    public void ResetClock() => Clock.Set(StartTime);

    [OneTimeSetUp]
    public void CreateEngine()
    {
        Clock = new ManualClock(StartTime);
        Definitions = new ProcessDefinitions(DataSource);
        Engine = new ProcessEngine(DataSource, Definitions, Clock);
    }

    private protected async Task DeployAsync(string xml, string name = "model.bpmn")
    {
        var result = await new DeploymentService(DataSource, Definitions).DeployAsync([new DeploymentResource(name, Encoding.UTF8.GetBytes(xml))], CancellationToken.None);
        var deployed = result.ShouldBeOfType<DeploymentResult.Deployed>(result.ToString());
        await Engine.SyncStartEventsAsync([.. deployed.Processes.Select(p => p.BpmnProcessId)], CancellationToken.None);
    }

    private protected async Task<long> StartAsync(string processId, JsonObject? variables = null, string? businessKey = null)
    {
        var result = await Engine.CreateInstanceAsync(processId, null, variables, businessKey, CancellationToken.None);
        result.Ok.ShouldBeTrue(result.Message);
        return result.Value!.ProcessInstanceKey;
    }

    private protected async Task<IReadOnlyList<ActivatedJob>> ActivateAsync(string type, int max = 10) =>
        await Engine.ActivateJobsAsync(type, "test-worker", TimeSpan.FromMinutes(5), max, null, CancellationToken.None);

    /// <summary>Activates and completes every job of a type; returns how many.</summary>
    private protected async Task<int> CompleteJobsAsync(string type, JsonObject? variables = null)
    {
        var jobs = await ActivateAsync(type, 100);
        foreach (var job in jobs)
        {
            var result = await Engine.CompleteJobAsync(job.Key, variables?.DeepClone().AsObject(), CancellationToken.None);
            result.Ok.ShouldBeTrue(result.Message);
        }
        return jobs.Count;
    }

    private protected async Task<string> StateAsync(long processInstanceKey)
    {
        await using var connection = await DataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<string>("SELECT state FROM process_instance WHERE key = @processInstanceKey", new { processInstanceKey }) ?? "MISSING";
    }

    /// <summary>Ids of the live element instances (the process itself excluded), sorted.</summary>
    private protected async Task<List<string>> ActiveElementsAsync(long processInstanceKey)
    {
        await using var connection = await DataSource.OpenConnectionAsync();
        return [.. await connection.QueryAsync<string>(
            "SELECT element_id FROM element_instance WHERE process_instance_key = @processInstanceKey AND key <> process_instance_key ORDER BY element_id",
            new { processInstanceKey })];
    }

    /// <summary>"elementId:EVENT" for each history row of one kind (default: completed elements), in order.</summary>
    private protected async Task<List<string>> HistoryAsync(long processInstanceKey, string @event = "ELEMENT_COMPLETED")
    {
        await using var connection = await DataSource.OpenConnectionAsync();
        return [.. await connection.QueryAsync<string>(
            "SELECT element_id FROM execution_history WHERE process_instance_key = @processInstanceKey AND event = @event ORDER BY id",
            new { processInstanceKey, @event })];
    }

    private protected async Task<JsonObject> VariablesAsync(long processInstanceKey)
    {
        await using var connection = await DataSource.OpenConnectionAsync();
        var rows = await connection.QueryAsync<(string Name, string Value)>(
            "SELECT name, value::text FROM variable WHERE scope_key = @processInstanceKey ORDER BY name", new { processInstanceKey });
        var result = new JsonObject();
        foreach (var (name, value) in rows)
        {
            result[name] = JsonNode.Parse(value);
        }
        return result;
    }

    private protected async Task<List<(long Key, string Type, string Message, string ElementId)>> IncidentsAsync(long processInstanceKey)
    {
        await using var connection = await DataSource.OpenConnectionAsync();
        return [.. await connection.QueryAsync<(long, string, string, string)>(
            "SELECT key, error_type, error_message, element_id FROM incident WHERE process_instance_key = @processInstanceKey AND state = 'ACTIVE' ORDER BY key",
            new { processInstanceKey })];
    }

    private protected async Task<List<(long Key, string ElementId, DateTime DueAt)>> TimersAsync(long processInstanceKey)
    {
        await using var connection = await DataSource.OpenConnectionAsync();
        return [.. await connection.QueryAsync<(long, string, DateTime)>(
            "SELECT key, element_id, due_at FROM timer WHERE process_instance_key = @processInstanceKey ORDER BY due_at, key", new { processInstanceKey })];
    }

    private protected async Task<List<(long Key, string ElementId, string? Assignee, int Version)>> OpenTasksAsync(long processInstanceKey)
    {
        await using var connection = await DataSource.OpenConnectionAsync();
        return [.. await connection.QueryAsync<(long, string, string?, int)>(
            "SELECT key, element_id, assignee, version FROM user_task WHERE process_instance_key = @processInstanceKey AND state = 'CREATED' ORDER BY key",
            new { processInstanceKey })];
    }

    private protected async Task FireTimersAsync(long processInstanceKey)
    {
        foreach (var (key, _, _) in await TimersAsync(processInstanceKey))
        {
            (await Engine.TriggerTimerAsync(key, CancellationToken.None)).Ok.ShouldBeTrue();
        }
    }

    private protected static JsonObject Vars(string json) => JsonNode.Parse(json)!.AsObject();

    /// <summary>A count (or other scalar) straight from the database, for assertions on rows the helpers above do not cover.</summary>
    private protected async Task<long> CountAsync(string sql, object? parameters = null)
    {
        await using var connection = await DataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<long>(sql, parameters);
    }

    /// <summary>Message subscriptions an instance has open, as "messageName:correlationKey@elementId", sorted.</summary>
    private protected async Task<List<string>> MessageSubscriptionsAsync(long processInstanceKey)
    {
        await using var connection = await DataSource.OpenConnectionAsync();
        return [.. await connection.QueryAsync<string>(
            "SELECT message_name || ':' || correlation_key || '@' || element_id FROM message_subscription WHERE process_instance_key = @processInstanceKey ORDER BY 1",
            new { processInstanceKey })];
    }

    /// <summary>Keys of the process instances of a BPMN process id, oldest first.</summary>
    private protected async Task<List<long>> InstancesOfAsync(string bpmnProcessId)
    {
        await using var connection = await DataSource.OpenConnectionAsync();
        return [.. await connection.QueryAsync<long>(
            "SELECT key FROM process_instance WHERE bpmn_process_id = @bpmnProcessId ORDER BY key", new { bpmnProcessId })];
    }

    /// <summary>The key of the (single) live element instance of an element.</summary>
    private protected async Task<long> ElementKeyAsync(long processInstanceKey, string elementId)
    {
        await using var connection = await DataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<long>(
            "SELECT key FROM element_instance WHERE process_instance_key = @processInstanceKey AND element_id = @elementId", new { processInstanceKey, elementId });
    }

    private protected Task<CommandResult<PublishedMessage>> PublishAsync(string name, string correlationKey, JsonObject? variables = null,
        TimeSpan? timeToLive = null, string? messageId = null) =>
        Engine.PublishMessageAsync(name, correlationKey, variables, timeToLive ?? TimeSpan.Zero, messageId, CancellationToken.None);
}
