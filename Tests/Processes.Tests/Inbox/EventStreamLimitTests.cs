using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Processes.Host.Identity;
using Processes.Tests.Identity;
using Processes.Tests.Storage;

namespace Processes.Tests.Inbox;

/// <summary>
/// The task event stream is bounded per user: with a limit of two, a user's third open stream is 429 with Retry-After
/// and a problem naming the setting, another user is unaffected, and a closed stream frees its place.
/// </summary>
public sealed class EventStreamLimitTests : DatabaseTest
{
    private readonly LogCapture _logs = new();
    private IdentityHost _host = null!;

    [OneTimeSetUp]
    public void StartHost() => _host = IdentityHost.Start(ConnectionString, logs: _logs,
        settings: new Dictionary<string, string> { ["Processes:Limits:MaxEventStreamsPerUser"] = "2" });

    [TearDown]
    public void ShowHostErrors() => _logs.WriteErrorsTo(TestContext.Out);

    [OneTimeTearDown]
    public async Task StopHost() => await _host.DisposeAsync();

    [Test]
    public async Task The_streams_past_the_limit_of_a_user_get_429_until_one_closes()
    {
        using var agent = _host.Bearer((await _host.CreateUserAsync(roles: [Roles.Agent])).ApiKey);
        using var other = _host.Bearer((await _host.CreateUserAsync(roles: [Roles.Agent])).ApiKey);

        var first = await OpenAsync(agent);
        using var second = await OpenAsync(agent);
        first.StatusCode.ShouldBe(HttpStatusCode.OK);
        second.StatusCode.ShouldBe(HttpStatusCode.OK);

        using (var third = await OpenAsync(agent))
        {
            third.StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);
            third.Headers.RetryAfter.ShouldNotBeNull();
            third.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
            using var problem = JsonDocument.Parse(await third.Content.ReadAsStringAsync());
            problem.RootElement.GetProperty("detail").GetString()!.ShouldContain("MaxEventStreamsPerUser");
        }
        using (var others = await OpenAsync(other))
        {
            others.StatusCode.ShouldBe(HttpStatusCode.OK, "the limit is per user");
        }

        first.Dispose(); // the client goes away: the server ends that stream and frees its place
        var clock = Stopwatch.StartNew();
        while (true)
        {
            using var again = await OpenAsync(agent);
            if (again.StatusCode == HttpStatusCode.OK)
            {
                break;
            }
            again.StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);
            clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(20), "a closed stream frees its place");
            await Task.Delay(200);
        }
    }

    private static async Task<HttpResponseMessage> OpenAsync(HttpClient client)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/tasks/events");
        return await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }
}
