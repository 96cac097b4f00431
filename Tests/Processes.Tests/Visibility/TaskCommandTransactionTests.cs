using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Dapper;
using Npgsql;
using Processes.Host.Identity;
using Processes.Tests.Identity;

namespace Processes.Tests.Visibility;

/// <summary>
/// Completing a task over HTTP: the task row is read once (locked, with the visibility rule in the same statement),
/// and the audit row commits in the command's transaction. What the tests prove, and how:
/// <list type="bullet">
/// <item>one read — every statement the request sends is captured from Npgsql's tracing (the request's trace id set
/// by the test, so the host's background services do not count) and exactly one of them selects from user_task;</item>
/// <item>one transaction — the completed task row, its TASK_COMPLETED history row and the audit row carry the same
/// <c>xmin</c> (the id of the transaction that wrote them);</item>
/// <item>atomicity — with an audit insert that fails (a trigger), the completion does not happen either.</item>
/// </list>
/// </summary>
public sealed class TaskCommandTransactionTests : AdminHostTest
{
    private static readonly string Model = Api.TaskModels.DeskTask("tx-task", "work", "Work", "tx-desk");

    private TestUser _agent = null!;
    private HttpClient _client = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        var admin = Admin;
        await IdentityHost.PostAsync(admin, "/api/groups", new { name = "tx-desk", displayName = "Desk" });
        _agent = await Server.CreateUserAsync(roles: [Roles.Agent], groups: ["tx-desk"]);
        _client = Server.Bearer(_agent.ApiKey);
        (await IdentityHost.DeployAsync(admin, "tx.bpmn", Model)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [OneTimeTearDown]
    public void DisposeClients()
    {
        _client.Dispose();
    }

    [Test]
    public async Task Completing_locks_the_task_row_once_and_commits_the_audit_row_in_the_same_transaction()
    {
        var task = await ClaimedTaskAsync();

        var statements = await CaptureStatementsAsync(_client, HttpMethod.Post, $"/v2/user-tasks/{task}/completion", new { variables = new { done = true } },
            HttpStatusCode.NoContent);

        // The command reads the task row once, locked; the catalogue check is a step of its precondition chain and reads no
        // task of its own.
        var reads = statements.Where(s => Regex.IsMatch(s, @"SELECT[\s\S]*FROM\s+user_task", RegexOptions.IgnoreCase)).ToList();
        reads.Count.ShouldBe(1, string.Join("\n---\n", statements));
        reads[0].ShouldContain("FOR UPDATE");
        await using var connection = await DataSource.OpenConnectionAsync();
        var taskTx = await connection.QuerySingleAsync<string>("SELECT xmin::text FROM user_task WHERE key = @key AND state = 'COMPLETED'", new { key = long.Parse(task) });
        var historyTx = await connection.QuerySingleAsync<string>(
            "SELECT xmin::text FROM execution_history WHERE event = 'TASK_COMPLETED' AND (details->>'userTaskKey')::bigint = @key", new { key = long.Parse(task) });
        var auditTx = await connection.QuerySingleAsync<string>(
            "SELECT xmin::text FROM audit_log WHERE action = 'task.completed' AND target_id = @task AND actor = @actor", new { task, actor = _agent.UserName });
        auditTx.ShouldBe(taskTx, "the audit row was written by the transaction that completed the task");
        historyTx.ShouldBe(taskTx);
    }

    [Test]
    public async Task An_audit_row_that_cannot_be_written_leaves_the_task_open()
    {
        var task = await ClaimedTaskAsync();
        await using var connection = await DataSource.OpenConnectionAsync();
        await connection.ExecuteAsync("""
            CREATE FUNCTION refuse_task_audit() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN IF NEW.action = 'task.completed' THEN RAISE EXCEPTION 'audit refused'; END IF; RETURN NEW; END $$;
            CREATE TRIGGER refuse_task_audit BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION refuse_task_audit();
            """);
        try
        {
            var response = await _client.PostAsJsonAsync($"/v2/user-tasks/{task}/completion", new { });
            response.IsSuccessStatusCode.ShouldBeFalse();
        }
        finally
        {
            await connection.ExecuteAsync("DROP TRIGGER refuse_task_audit ON audit_log; DROP FUNCTION refuse_task_audit();");
            Logs.Entries.Clear(); // the refused insert is logged as the error it is
        }
        (await connection.QuerySingleAsync<string>("SELECT state FROM user_task WHERE key = @key", new { key = long.Parse(task) })).ShouldBe("CREATED");
        (await connection.QuerySingleAsync<long>("SELECT count(*) FROM execution_history WHERE event = 'TASK_COMPLETED' AND (details->>'userTaskKey')::bigint = @key",
            new { key = long.Parse(task) })).ShouldBe(0);
        (await _client.PostAsJsonAsync($"/v2/user-tasks/{task}/completion", new { })).StatusCode.ShouldBe(HttpStatusCode.NoContent, "without the trigger it completes");
    }

    [Test]
    public async Task Claiming_and_reassigning_are_audited_in_their_transaction_too()
    {
        var task = await ClaimedTaskAsync();
        await using var connection = await DataSource.OpenConnectionAsync();
        var taskTx = await connection.QuerySingleAsync<string>("SELECT xmin::text FROM user_task WHERE key = @key", new { key = long.Parse(task) });
        var auditTx = await connection.QuerySingleAsync<string>("SELECT xmin::text FROM audit_log WHERE action = 'task.claimed' AND target_id = @task", new { task });
        auditTx.ShouldBe(taskTx);
    }

    private async Task<string> ClaimedTaskAsync()
    {
        var instance = (await IdentityHost.PostAsync(_client, "/v2/process-instances", new { processDefinitionId = "tx-task" })).GetProperty("processInstanceKey").GetString();
        var task = (await IdentityHost.PostAsync(_client, "/v2/user-tasks/search", new { filter = new { processInstanceKey = instance } }))
            .GetProperty("items")[0].GetProperty("userTaskKey").GetString()!;
        (await _client.PostAsJsonAsync($"/v2/user-tasks/{task}/assignment", new { assignee = _agent.UserName })).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        return task;
    }

    /// <summary>
    /// The SQL of every statement the host sends while serving one request. The request carries a W3C traceparent with a
    /// trace id of the test's own, which ASP.NET Core adopts for the request's activity and Npgsql's command activities inherit.
    /// </summary>
    private static async Task<IReadOnlyList<string>> CaptureStatementsAsync(HttpClient client, HttpMethod method, string path, object body, HttpStatusCode expected)
    {
        var traceId = ActivityTraceId.CreateRandom();
        var statements = new ConcurrentQueue<string>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is "Npgsql" or "Microsoft.AspNetCore",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.Source.Name == "Npgsql" && activity.TraceId == traceId &&
                    activity.TagObjects.FirstOrDefault(t => t.Key is "db.query.text" or "db.statement").Value is string sql)
                {
                    statements.Enqueue(sql);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        using var request = new HttpRequestMessage(method, path) { Content = JsonContent.Create(body) };
        request.Headers.Add("traceparent", $"00-{traceId.ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-01");
        using var response = await client.SendAsync(request);
        response.StatusCode.ShouldBe(expected, await response.Content.ReadAsStringAsync());
        statements.ShouldNotBeEmpty("Npgsql's tracing reported no statement of the request: the capture would prove nothing");
        return [.. statements];
    }
}
