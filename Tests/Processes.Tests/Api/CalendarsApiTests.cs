using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Processes.Host.Identity;
using Processes.Tests.Identity;
using Processes.Tests.Storage;

namespace Processes.Tests.Api;

/// <summary>/api/calendars: admins write business calendars with optimistic versions; everyone signed in reads them.</summary>
public sealed class CalendarsApiTests : DatabaseTest
{
    private const string Calendar = """
        { "name": "eu-support", "timeZone": "Europe/Berlin",
          "week": { "monday": [["08:00","17:00"]], "tuesday": [["08:00","17:00"]] },
          "holidays": [{ "date": "2026-12-25", "name": "Christmas" }], "workingDays": [] }
        """;

    private IdentityHost _host = null!;

    [OneTimeSetUp]
    public void StartHost() => _host = IdentityHost.Start(ConnectionString);

    [OneTimeTearDown]
    public async Task StopHost() => await _host.DisposeAsync();

    [Test]
    public async Task Create_read_update_with_the_version_and_delete_a_calendar()
    {
        var admin = await _host.AdminAsync();
        var created = await admin.PutAsync(new Uri("/api/calendars/eu-support", UriKind.Relative), Json(Calendar));
        created.StatusCode.ShouldBe(HttpStatusCode.OK, await created.Content.ReadAsStringAsync());
        var version = created.Headers.ETag!.Tag;

        var agent = _host.Bearer((await _host.CreateUserAsync(roles: [Roles.Agent])).ApiKey);
        var read = await agent.GetFromJsonAsync<JsonElement>("/api/calendars/eu-support");
        read.GetProperty("timeZone").GetString().ShouldBe("Europe/Berlin");
        (await agent.PutAsync(new Uri("/api/calendars/eu-support", UriKind.Relative), Json(Calendar))).StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        (await admin.PutAsync(new Uri("/api/calendars/eu-support", UriKind.Relative), Json(Calendar))).StatusCode
            .ShouldBe(HttpStatusCode.Conflict, "an existing calendar changes only with its version");
        using (var update = new HttpRequestMessage(HttpMethod.Put, "/api/calendars/eu-support") { Content = Json(Calendar.Replace("17:00", "18:00", StringComparison.Ordinal)) })
        {
            update.Headers.IfMatch.Add(new System.Net.Http.Headers.EntityTagHeaderValue(version));
            (await admin.SendAsync(update)).StatusCode.ShouldBe(HttpStatusCode.OK);
        }
        using (var stale = new HttpRequestMessage(HttpMethod.Put, "/api/calendars/eu-support") { Content = Json(Calendar) })
        {
            stale.Headers.IfMatch.Add(new System.Net.Http.Headers.EntityTagHeaderValue(version));
            (await admin.SendAsync(stale)).StatusCode.ShouldBe(HttpStatusCode.PreconditionFailed);
        }

        var invalid = await admin.PutAsync(new Uri("/api/calendars/bad", UriKind.Relative),
            Json("""{ "name": "bad", "timeZone": "Mars/Olympus", "week": { "monday": [["17:00","08:00"]] } }"""));
        invalid.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await invalid.Content.ReadAsStringAsync()).ShouldContain("timeZone");

        (await admin.DeleteAsync(new Uri("/api/calendars/eu-support", UriKind.Relative))).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await agent.GetAsync(new Uri("/api/calendars/eu-support", UriKind.Relative))).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    private static StringContent Json(string text) => new(text, Encoding.UTF8, "application/json");
}
