using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Processes.Host.Identity;
using Processes.Host.Idempotency;
using Processes.Tests.Identity;
using Processes.Tests.Storage;

namespace Processes.Tests.Api;

/// <summary>
/// Requests with one Idempotency-Key while the first is still running (a client that gave up on a slow answer and sent
/// again, many times): they wait for the first without holding a database connection, get its answer, and beyond a
/// bounded queue are told to come back (409 with Retry-After). The host's small pool stays free for everyone else —
/// before, each waiting retry held a pooled connection on the key's advisory lock and a retry storm filled the server.
/// </summary>
public sealed class IdempotencyKeyWaitTests : DatabaseTest
{
    private const int PoolSize = 10;
    private static readonly string Model = TaskModels.OneUserTask("keyed-wait", "wait");

    [Test]
    public async Task Retries_of_a_running_request_wait_without_a_connection_get_its_answer_and_a_full_queue_is_told_to_come_back()
    {
        var bounded = new NpgsqlConnectionStringBuilder(ConnectionString) { MaxPoolSize = PoolSize, Timeout = 5 }.ConnectionString;
        await using var host = IdentityHost.Start(bounded);
        var designer = host.Bearer((await host.CreateUserAsync(roles: [Roles.Designer])).ApiKey);
        var agent = host.Bearer((await host.CreateUserAsync(roles: [Roles.Agent])).ApiKey);
        (await IdentityHost.DeployAsync(designer, "keyed-wait.bpmn", Model)).StatusCode.ShouldBe(HttpStatusCode.OK);
        // The first start's command stops inside its transaction (holding the key) until the test lets it go.
        await using var hold = await DataSource.OpenConnectionAsync();
        await ExecuteAsync(hold, "SELECT pg_advisory_lock(4343)");
        await ExecuteAsync(hold, """
            CREATE FUNCTION hold_starts() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN PERFORM pg_advisory_lock_shared(4343); PERFORM pg_advisory_unlock_shared(4343); RETURN NEW; END $$;
            CREATE TRIGGER hold_starts BEFORE INSERT ON process_instance FOR EACH ROW EXECUTE FUNCTION hold_starts();
            """);

        var first = StartAsync(agent);
        await WaitUntilAsync(async () => await ScalarAsync(hold, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 4343 AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())") == 1,
            "the first start's command waits inside its transaction");
        // A storm of retries: more than the pool, more than the queue.
        var retries = Enumerable.Range(0, PoolSize + 4).Select(_ => StartAsync(agent)).ToList();
        await Task.Delay(TimeSpan.FromSeconds(1));

        // The pool is not taken by the waiting retries: another request is answered meanwhile.
        using (var other = await agent.PostAsJsonAsync("/v2/process-instances/search", new { filter = new { processDefinitionId = "keyed-wait" } }))
        {
            other.StatusCode.ShouldBe(HttpStatusCode.OK, await other.Content.ReadAsStringAsync());
        }
        (await ScalarAsync(hold, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 4343 AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"))
            .ShouldBe(1, "only the first request's command reached the database");
        await ExecuteAsync(hold, "SELECT pg_advisory_unlock(4343)");

        var answers = await Task.WhenAll(retries.Prepend(first));
        var instance = answers[0].Body.GetProperty("processInstanceKey").GetString();
        answers[0].Status.ShouldBe(HttpStatusCode.OK);
        var waited = answers.Skip(1).Where(a => a.Status == HttpStatusCode.OK).ToList();
        var refused = answers.Skip(1).Where(a => a.Status != HttpStatusCode.OK).ToList();
        waited.Count.ShouldBe(KeyGate.MaxWaiting, "every retry in the queue waited for the first answer");
        waited.ShouldAllBe(a => a.Body.GetProperty("processInstanceKey").GetString() == instance && a.Replayed);
        refused.Count.ShouldBe(retries.Count - KeyGate.MaxWaiting);
        refused.ShouldAllBe(a => a.Status == HttpStatusCode.Conflict && a.RetryAfter == TimeSpan.FromSeconds(1) &&
            a.Body.GetProperty("title").GetString() == "IDEMPOTENCY_KEY_IN_USE");
        (await ScalarAsync(hold, "SELECT count(*) FROM process_instance WHERE bpmn_process_id = 'keyed-wait'")).ShouldBe(1);
        host.Services.GetRequiredService<KeyGate>().Count.ShouldBe(0, "the key's queue is gone with its last request");

        // And after: a retry gets the stored answer at once.
        var later = await StartAsync(agent);
        later.Status.ShouldBe(HttpStatusCode.OK);
        later.Body.GetProperty("processInstanceKey").GetString().ShouldBe(instance);
        later.Replayed.ShouldBeTrue();
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body, bool Replayed, TimeSpan? RetryAfter)> StartAsync(HttpClient client)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/v2/process-instances", UriKind.Relative))
        {
            Content = JsonContent.Create(new { processDefinitionId = "keyed-wait", variables = new { n = 1 } }),
        };
        request.Headers.Add("Idempotency-Key", "storm-1");
        using var response = await client.SendAsync(request);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
        return (response.StatusCode, body, response.Headers.TryGetValues("Idempotent-Replayed", out var replayed) && replayed.Single() == "true",
            response.Headers.RetryAfter?.Delta);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<long> ScalarAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Not within 60 s: {what}.");
            }
            await Task.Delay(100);
        }
    }
}
