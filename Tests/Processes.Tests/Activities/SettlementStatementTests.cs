using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Processes.Activities.Settlement;
using Processes.Host.Hangfire;
using Processes.Host.Identity;
using Processes.Tests.Execution;
using Processes.Tests.Identity;
using Processes.Tests.Storage;

namespace Processes.Tests.Activities;

/// <summary>
/// Monthly statements of the settlement pools through /api/settlement/statements against the real host: one statement
/// per network and month however often it is generated (concurrently, again, and by the recurring duty), amounts in
/// decimal, every movement of the month listed with the opening and closing balances, as JSON and as CSV.
/// </summary>
public sealed class SettlementStatementTests : DatabaseTest
{
    private const string D = "<default>";
    private readonly LogCapture _logs = new();
    private IdentityHost _host = null!;
    private HttpClient _finance = null!;
    private ManualClock _clock = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _clock = new ManualClock(new DateTimeOffset(2026, 12, 2, 3, 0, 0, TimeSpan.Zero));
        _host = IdentityHost.Start(ConnectionString, logs: _logs, clock: _clock);
        _finance = _host.Bearer((await _host.CreateUserAsync(roles: [Roles.Finance])).ApiKey);
    }

    [TearDown]
    public void ShowHostErrors() => _logs.WriteErrorsTo(TestContext.Out);

    [OneTimeTearDown]
    public async Task Stop()
    {
        _finance.Dispose();
        await _host.DisposeAsync();
    }

    [Test]
    public async Task A_month_is_stated_once_per_network_with_every_movement_and_decimal_balances()
    {
        var pool = _host.Service<SettlementPool>();
        static DateTimeOffset At(int month, int day) => new(2025, month, day, 10, 0, 0, TimeSpan.Zero);
        await pool.CreditFeeAsync(D, "net-s", "TM-OLD", 50m, "2025-02", "job:1", null, At(2, 20), CancellationToken.None);
        await pool.CreditFeeAsync(D, "net-s", "=HYPERLINK(\"x\")", 100.10m, "2025-03", "job:2", null, At(3, 5), CancellationToken.None);
        var (withdrawal, _, _) = await pool.RequestWithdrawalAsync(D, "net-s", 30m, "w-1", "fin", At(3, 10), (_, _, _) => Task.CompletedTask, CancellationToken.None);
        await pool.ReviewAsync(D, withdrawal!.Id, false, "wrong account", "fin", At(3, 12), (_, _, _) => Task.CompletedTask, CancellationToken.None);
        await pool.CreditFeeAsync(D, "net-s", "TM-APRIL", 7m, "2025-04", "job:3", null, At(4, 1), CancellationToken.None);
        await pool.CreditFeeAsync(D, "net-t", "JD-1", 0.35m, "2025-03", "job:4", null, At(3, 31), CancellationToken.None);

        // Three generations at once and one more: each network's March is stated once.
        var runs = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => _finance.PostAsJsonAsync("/api/settlement/statements/generate", new { period = "2025-03" })));
        foreach (var run in runs)
        {
            run.StatusCode.ShouldBe(HttpStatusCode.OK, await run.Content.ReadAsStringAsync());
        }
        var again = await (await _finance.PostAsJsonAsync("/api/settlement/statements/generate", new { period = "2025-03" })).Content.ReadFromJsonAsync<JsonElement>();
        again.GetProperty("generated").GetInt32().ShouldBe(0);
        again.GetProperty("existing").GetInt32().ShouldBe(2);
        var list = await _finance.GetFromJsonAsync<JsonElement>("/api/settlement/statements?period=2025-03");
        list.GetProperty("items").EnumerateArray().Select(s => s.GetProperty("network").GetString()).ShouldBe(["net-s", "net-t"]);

        var statement = await _finance.GetFromJsonAsync<JsonElement>("/api/settlement/statements/net-s/2025-03");
        statement.GetProperty("opening").GetDecimal().ShouldBe(50m);
        statement.GetProperty("credited").GetDecimal().ShouldBe(100.10m);
        statement.GetProperty("withdrawn").GetDecimal().ShouldBe(30m);
        statement.GetProperty("returned").GetDecimal().ShouldBe(30m);
        statement.GetProperty("closing").GetDecimal().ShouldBe(150.10m);
        statement.GetProperty("movements").EnumerateArray().Select(m => m.GetProperty("kind").GetString())
            .ShouldBe(["fee", "withdrawal", "withdrawal-returned"], "every movement of March, oldest first; February's and April's are not");
        statement.GetProperty("movementCount").GetInt32().ShouldBe(3);
        (await _finance.GetFromJsonAsync<JsonElement>("/api/settlement/statements/net-t/2025-03")).GetProperty("closing").GetDecimal().ShouldBe(0.35m);

        using var csv = await _finance.GetAsync(new Uri("/api/settlement/statements/net-s/2025-03/csv", UriKind.Relative));
        csv.StatusCode.ShouldBe(HttpStatusCode.OK);
        csv.Content.Headers.ContentType!.MediaType.ShouldBe("text/csv");
        var lines = (await csv.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        lines[0].ShouldBe("network,period,at,kind,reference,actor,amount,balance");
        lines.Length.ShouldBe(6, "header, opening, three movements, closing");
        lines[1].ShouldBe("net-s,2025-03,2025-03-01T00:00:00.000Z,opening,,,,50.00");
        lines[2].ShouldContain("\"'=HYPERLINK(\"\"x\"\")\"", Case.Sensitive, "a formula from a platform's reference is not run by a spreadsheet");
        lines[2].ShouldEndWith(",100.10,150.10");
        lines[3].ShouldEndWith(",-30.00,120.10");
        lines[5].ShouldBe("net-s,2025-03,2025-04-01T00:00:00.000Z,closing,,,,150.10");
    }

    [Test]
    public async Task The_recurring_duty_states_the_month_before_once_and_an_open_month_is_refused()
    {
        var pool = _host.Service<SettlementPool>();
        await pool.CreditFeeAsync(D, "net-duty", "TM-NOV", 88.88m, "2026-11", "job:9", null, new DateTimeOffset(2026, 11, 15, 8, 0, 0, TimeSpan.Zero), CancellationToken.None);
        var duty = new MaintenanceJobs(_host.Services);
        await Task.WhenAll(duty.GenerateSettlementStatementsAsync(CancellationToken.None), duty.GenerateSettlementStatementsAsync(CancellationToken.None));
        await duty.GenerateSettlementStatementsAsync(CancellationToken.None);

        var items = (await _finance.GetFromJsonAsync<JsonElement>("/api/settlement/statements?network=net-duty")).GetProperty("items");
        var statement = items.EnumerateArray().ShouldHaveSingleItem();
        statement.GetProperty("period").GetString().ShouldBe("2026-11");
        statement.GetProperty("closing").GetDecimal().ShouldBe(88.88m);
        statement.GetProperty("generatedBy").GetString().ShouldBe("system:settlement-statements");

        using var open = await _finance.PostAsJsonAsync("/api/settlement/statements/generate", new { period = "2026-12" });
        open.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await open.Content.ReadAsStringAsync()).ShouldContain("has not ended");
        using var malformed = await _finance.PostAsJsonAsync("/api/settlement/statements/generate", new { period = "November" });
        malformed.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await malformed.Content.ReadAsStringAsync()).ShouldContain("period");
        (await _finance.GetAsync(new Uri("/api/settlement/statements/net-duty/2026-10", UriKind.Relative))).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        using var agent = _host.Bearer((await _host.CreateUserAsync(roles: [Roles.Agent])).ApiKey);
        (await agent.GetAsync(new Uri("/api/settlement/statements", UriKind.Relative))).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }
}
