using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Npgsql;

namespace Processes.Tests.Hosting;

/// <summary>
/// Exactly-once starts across a crash (issue 21), with a real host process killed by SIGKILL: each start's command
/// has committed, its answer is not yet stored (a trigger holds those writes), the host dies; after the restart
/// every retry with the same Idempotency-Key gets the first answer — the instance the first request created, also
/// with a business key (not 409) — and there is no second instance.
/// </summary>
[Parallelizable(ParallelScope.None)]
public sealed class IdempotencyCrashTests
{
    private const string AdminPassword = "correct horse battery staple";
    private const int Starts = 8;
    private static readonly string Model = Api.TaskModels.OneUserTask("crash-start", "wait");

    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(90);
    private static readonly Dictionary<string, string> AdminSettings = new() { ["Processes__Admin__Password"] = AdminPassword };
    private EmbeddedHostFolder _folder = null!;

    [SetUp]
    public void CreateRoot() => _folder = new EmbeddedHostFolder("processes-crash");

    [TearDown]
    public Task StopLeftovers() => _folder.CleanUpAsync();

    [Test]
    public async Task Starts_whose_host_was_killed_after_the_commit_answer_their_first_instance_on_retry_and_never_start_twice()
    {
        string apiKey;
        using (var first = _folder.StartHost(AdminSettings))
        {
            await first.WaitReadyAsync(HangGuard);
            var url = first.Url;
            apiKey = await AdminApiKeyAsync(url);
            using var client = Client(url, apiKey);
            using (var content = new MultipartFormDataContent())
            {
                content.Add(new ByteArrayContent(Encoding.UTF8.GetBytes(Model)) { Headers = { ContentType = new MediaTypeHeaderValue("application/octet-stream") } },
                    "resources", "crash-start.bpmn");
                var deployed = await client.PostAsync(new Uri("/v2/deployments", UriKind.Relative), content);
                deployed.StatusCode.ShouldBe(HttpStatusCode.OK, await deployed.Content.ReadAsStringAsync());
            }
            // Hold every stored answer (status set) until released: the commands commit, their answers cannot.
            await _folder.ExecuteAsync("""
                CREATE FUNCTION hold_answers() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN IF NEW.status IS NOT NULL THEN PERFORM pg_advisory_lock_shared(4242); PERFORM pg_advisory_unlock_shared(4242); END IF; RETURN NEW; END $$;
                CREATE TRIGGER hold_answers BEFORE INSERT OR UPDATE ON idempotent_request FOR EACH ROW EXECUTE FUNCTION hold_answers();
                """);
            await using (var hold = new NpgsqlConnection(_folder.SocketConnectionString()))
            {
                await hold.OpenAsync();
                await using (var take = new NpgsqlCommand("SELECT pg_advisory_lock(4242)", hold))
                {
                    await take.ExecuteNonQueryAsync();
                }
                var inFlight = Enumerable.Range(0, Starts).Select(i => SwallowAsync(StartAsync(client, i))).ToList();
                await WaitUntilAsync(async () => Convert.ToInt64(await _folder.ScalarAsync("SELECT count(*) FROM idempotent_request WHERE outcome IS NOT NULL"),
                    CultureInfo.InvariantCulture) == Starts, "every start's command committed");
                await first.KillAsync();
                await Task.WhenAll(inFlight);
            }
        }
        var recorded = new Dictionary<string, string>();
        foreach (var row in (await _folder.ScalarAsync("SELECT string_agg(key || '=' || (outcome->>'ProcessInstanceKey'), ',') FROM idempotent_request WHERE status IS NULL"))!
                     .ToString()!.Split(','))
        {
            recorded[row.Split('=')[0]] = row.Split('=')[1];
        }
        recorded.Count.ShouldBe(Starts, "no answer was stored before the kill");

        using var second = _folder.StartHost(AdminSettings);
        await second.WaitReadyAsync(HangGuard);
        using (var client = Client(second.Url, apiKey))
        {
            for (var i = 0; i < Starts; i++)
            {
                foreach (var attempt in new[] { "first retry", "second retry" })
                {
                    var response = await StartAsync(client, i);
                    var text = await response.Content.ReadAsStringAsync();
                    response.StatusCode.ShouldBe(HttpStatusCode.OK, $"{attempt} of crash-{i}: {text}");
                    JsonDocument.Parse(text).RootElement.GetProperty("processInstanceKey").GetString().ShouldBe(recorded[$"crash-{i}"], $"{attempt} of crash-{i}");
                    response.Headers.GetValues("Idempotent-Replayed").ShouldBe(["true"]);
                }
            }
            using var different = new HttpRequestMessage(HttpMethod.Post, new Uri("/v2/process-instances", UriKind.Relative))
            {
                Content = JsonContent.Create(new { processDefinitionId = "crash-start", variables = new { other = true } }),
            };
            different.Headers.Add("Idempotency-Key", "crash-0");
            var refused = await client.SendAsync(different);
            refused.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
            (await refused.Content.ReadAsStringAsync()).ShouldContain("crash-0");
        }
        Convert.ToInt64(await _folder.ScalarAsync("SELECT count(*) FROM process_instance WHERE bpmn_process_id = 'crash-start'"), CultureInfo.InvariantCulture)
            .ShouldBe(Starts, "one instance per key, none started twice");
        await second.KillAsync();
    }

    /// <summary>Half of the starts carry a business key: their retry must answer the first instance, not 409.</summary>
    private static Task<HttpResponseMessage> StartAsync(HttpClient client, int i)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/v2/process-instances", UriKind.Relative))
        {
            Content = JsonContent.Create(i % 2 == 0
                ? new { processDefinitionId = "crash-start", variables = new { n = i }, businessKey = (string?)$"B-{i}" }
                : new { processDefinitionId = "crash-start", variables = new { n = i }, businessKey = (string?)null }),
        };
        request.Headers.Add("Idempotency-Key", $"crash-{i}");
        return client.SendAsync(request);
    }

    private static async Task SwallowAsync(Task<HttpResponseMessage> request)
    {
        try
        {
            (await request).Dispose();
        }
        catch (HttpRequestException)
        {
            // The host died under the request, as intended.
        }
        catch (TaskCanceledException)
        {
        }
    }

    private static HttpClient Client(Uri url, string apiKey)
    {
        var client = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        return client;
    }

    private static async Task<string> AdminApiKeyAsync(Uri url)
    {
        using var session = new HttpClient(new HttpClientHandler { UseCookies = true }) { BaseAddress = url };
        var login = await session.PostAsJsonAsync("/api/auth/login", new { userName = "admin", password = AdminPassword });
        login.StatusCode.ShouldBe(HttpStatusCode.OK, await login.Content.ReadAsStringAsync());
        var body = await login.Content.ReadFromJsonAsync<JsonElement>();
        session.DefaultRequestHeaders.Add(body.GetProperty("antiforgeryHeader").GetString()!, body.GetProperty("antiforgeryToken").GetString());
        var me = await session.GetFromJsonAsync<JsonElement>("/api/auth/me");
        var key = await session.PostAsJsonAsync($"/api/users/{me.GetProperty("id").GetInt64()}/api-keys", new { name = "crash test" });
        key.IsSuccessStatusCode.ShouldBeTrue(await key.Content.ReadAsStringAsync());
        return (await key.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("secret").GetString()!;
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Not within 90 s: {what}.");
            }
            await Task.Delay(200);
        }
    }
}
