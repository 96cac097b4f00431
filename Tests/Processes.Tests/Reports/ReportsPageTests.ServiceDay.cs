using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Processes.Host.Identity;
using Processes.Tests.Identity;

namespace Processes.Tests.Reports;

/// <summary>
/// The service day of <see cref="ReportsPageTests"/>: what the test does through the API (tickets completed with a
/// standard, survey answers relayed to /api/demands/{id}/survey-answer, offers declined and accepted, visits, a
/// settlement approved), and the rows the report sections must then show, counted from those lists alone.
/// </summary>
public sealed partial class ReportsPageTests
{
    private const string Team = "rpt-page-team";

    /// <summary>A demand: closed with a standard (escalated or not) and then answered (score), left unanswered past its window, or awaiting; or still open.</summary>
    private sealed record DemandDay(string Id, string? Standard, bool Escalated, int? Score, bool WindowPasses);

    /// <summary>A service order: offers declined before one is accepted (none accepted: the offer is still open), the visit's code check, its fee.</summary>
    private sealed record OrderDay(string Network, decimal Fee, int Declines, bool Accepts, bool? CodeVerified);

    private static readonly DemandDay[] Demands =
    [
        new("D-R1", "refund-received", false, 5, false),
        new("D-R2", "refund-received", false, 4, false),
        new("D-R3", "repaired", true, 2, false),
        new("D-R4", "information-provided", false, null, false),
        new("D-R5", "repaired", true, null, true),
        new("D-R6", null, false, null, false),
    ];

    private static readonly OrderDay[] Orders =
    [
        new("north", 80m, 1, true, true),
        new("north", 50m, 0, true, false),
        new("south", 120.5m, 0, true, true),
        new("south", 65m, 0, false, null),
    ];

    /// <summary>What the month's settlement paid (the network's released fees, as finance approved them).</summary>
    private static readonly (string Network, decimal Amount)[] Paid = [("north", 80m)];

    private static string Month => DateTime.UtcNow.ToString("yyyy-MM", CultureInfo.InvariantCulture);

    private async Task MakeServiceDayAsync()
    {
        foreach (var (name, xml) in new[] { ("demand.bpmn", ServiceDayModels.Demand), ("fulfilment.bpmn", ServiceDayModels.Fulfilment), ("settlement.bpmn", ServiceDayModels.Settlement) })
        {
            var deployed = await IdentityHost.DeployAsync(_admin, name, xml);
            deployed.IsSuccessStatusCode.ShouldBeTrue(await deployed.Content.ReadAsStringAsync());
        }
        var agent = await Browser.Host.CreateUserAsync(roles: [Roles.Agent], groups: [Team]);
        var agentClient = Browser.Host.Bearer(agent.ApiKey);
        var demands = new Dictionary<string, string>();
        foreach (var demand in Demands)
        {
            object variables = demand.WindowPasses
                ? new { team = Team, demandId = demand.Id, surveyWindow = "PT1S" }
                : new { team = Team, demandId = demand.Id };
            var instance = await StartAsync("demand-ticket", variables);
            demands[demand.Id] = instance;
            if (demand.Standard is not null)
            {
                await CompleteAsync(instance, "WorkTicket", new { completionStandard = demand.Standard, escalated = demand.Escalated });
            }
        }
        foreach (var demand in Demands.Where(d => d.Score is not null))
        {
            var answer = await agentClient.PostAsJsonAsync($"/api/demands/{demand.Id}/survey-answer", new { score = demand.Score, comment = "thanks" });
            answer.StatusCode.ShouldBe(HttpStatusCode.OK, await answer.Content.ReadAsStringAsync());
        }
        foreach (var order in Orders)
        {
            var instance = await StartAsync("service-fulfilment", new { team = Team, serviceOrder = new { network = order.Network, fee = order.Fee } });
            for (var i = 0; i < order.Declines; i++)
            {
                await CompleteAsync(instance, "Accept", new { accepted = false });
            }
            if (order.Accepts)
            {
                await CompleteAsync(instance, "Accept", new { accepted = true });
                await CompleteAsync(instance, "Visit", new { codeVerified = order.CodeVerified, feeStatus = order.CodeVerified == true ? "released" : "frozen", feePeriod = Month });
            }
        }
        var settlement = await StartAsync("monthly-settlement", new { team = Team, period = Month });
        await CompleteAsync(settlement, "Approve", new { paidNetworks = Paid.Select(p => new { network = p.Network, amount = p.Amount }).ToArray() });

        // The unanswered demand's survey window (one second) passes by the host's own timer.
        foreach (var demand in Demands.Where(d => d.WindowPasses))
        {
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while ((await _admin.GetFromJsonAsync<JsonElement>($"/v2/process-instances/{demands[demand.Id]}")).GetProperty("state").GetString() != "COMPLETED")
            {
                DateTime.UtcNow.ShouldBeLessThan(deadline, $"{demand.Id}'s survey window passes");
                await Task.Delay(250);
            }
        }
    }

    private async Task<string> StartAsync(string processId, object variables) =>
        (await IdentityHost.PostAsync(_admin, "/v2/process-instances", new { processDefinitionId = processId, variables }))
            .GetProperty("processInstanceKey").GetString()!;

    /// <summary>Takes the instance's open task at <paramref name="elementId"/> and completes it with <paramref name="variables"/>.</summary>
    private async Task CompleteAsync(string instance, string elementId, object variables)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        string? task = null;
        while (task is null)
        {
            var found = await IdentityHost.PostAsync(_admin, "/v2/user-tasks/search",
                new { filter = new { processInstanceKey = instance, elementId, state = "CREATED" } });
            task = found.GetProperty("items").EnumerateArray().Select(t => t.GetProperty("userTaskKey").GetString()).FirstOrDefault();
            if (task is null)
            {
                DateTime.UtcNow.ShouldBeLessThan(deadline, $"{elementId} of {instance} opens");
                await Task.Delay(100);
            }
        }
        var assigned = await _admin.PostAsJsonAsync($"/v2/user-tasks/{task}/assignment", new { assignee = IdentityHost.AdminBootstrapName });
        assigned.IsSuccessStatusCode.ShouldBeTrue(await assigned.Content.ReadAsStringAsync());
        var completed = await _admin.PostAsJsonAsync($"/v2/user-tasks/{task}/completion", new { variables });
        completed.IsSuccessStatusCode.ShouldBeTrue(await completed.Content.ReadAsStringAsync());
    }

    private static string Number(double value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Percent(long part, long whole) => whole == 0 ? "–" : $"{Number(Math.Round(100.0 * part / whole, 1))} %";

    /// <summary>Closed demands are surveyed: answered with a score, "no answer" after the window, "awaiting" while it is open.</summary>
    private static IEnumerable<(string Result, int? Score)> Surveyed() => Demands.Where(d => d.Standard is not null)
        .Select(d => d.Score is not null ? ("answered", d.Score) : d.WindowPasses ? ("no answer", (int?)null) : ("awaiting", null));

    private static string ExpectedSurveySummary()
    {
        var surveyed = Surveyed().ToList();
        var scores = surveyed.Where(s => s.Score is not null).Select(s => s.Score!.Value).ToList();
        return $"{surveyed.Count} demands surveyed, {scores.Count} answered ({Percent(scores.Count, surveyed.Count)}): " +
            $"average score {Number(Math.Round(scores.Average(), 2))}, satisfied (4–5) {Percent(scores.Count(s => s >= 4), scores.Count)}.";
    }

    private static List<string[]> ExpectedSurveyRows() =>
        [.. Surveyed().GroupBy(s => s).OrderBy(g => g.Key.Result, StringComparer.Ordinal).ThenBy(g => g.Key.Score)
            .Select(g => new[] { g.Key.Result, g.Key.Score?.ToString(CultureInfo.InvariantCulture) ?? "", g.Count().ToString(CultureInfo.InvariantCulture) })];

    private static List<string[]> ExpectedCompletionRows() =>
        [.. Demands.Where(d => d.Standard is not null).GroupBy(d => (d.Standard!, Reason: d.Escalated ? "resolved after escalation" : "resolved"))
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Key.Item1, StringComparer.Ordinal).ThenBy(g => g.Key.Reason, StringComparer.Ordinal)
            .Select(g => new[] { g.Key.Item1, g.Key.Reason, g.Count().ToString(CultureInfo.InvariantCulture) })];

    private static List<string[]> ExpectedFulfilmentRows() =>
        [.. Orders.GroupBy(o => o.Network).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g =>
        {
            long offers = g.Sum(o => o.Declines + (o.Accepts ? 1 : 0)), accepted = g.Count(o => o.Accepts);
            long verifications = g.Count(o => o.CodeVerified is not null), verified = g.Count(o => o.CodeVerified == true);
            return new[]
            {
                g.Key, g.Count().ToString(CultureInfo.InvariantCulture), offers.ToString(CultureInfo.InvariantCulture), accepted.ToString(CultureInfo.InvariantCulture),
                Percent(accepted, offers), verifications.ToString(CultureInfo.InvariantCulture), verified.ToString(CultureInfo.InvariantCulture), Percent(verified, verifications),
            };
        })];

    private static List<string[]> ExpectedSettlementRows() =>
        [.. Orders.Where(o => o.CodeVerified is not null).Select(o => o.Network).Concat(Paid.Select(p => p.Network)).Distinct().OrderBy(n => n, StringComparer.Ordinal).Select(network =>
        {
            var released = Orders.Where(o => o.Network == network && o.CodeVerified == true).ToList();
            var frozen = Orders.Where(o => o.Network == network && o.CodeVerified == false).ToList();
            return new[]
            {
                network, Month, released.Count.ToString(CultureInfo.InvariantCulture), Money(released.Sum(o => o.Fee)),
                frozen.Count.ToString(CultureInfo.InvariantCulture), Money(frozen.Sum(o => o.Fee)), Money(Paid.Where(p => p.Network == network).Sum(p => p.Amount)),
            };
        })];

    /// <summary>A decimal as the page prints the API's JSON number (no trailing zeros).</summary>
    private static string Money(decimal amount) => (amount / 1.0000000000000000000000000000m).ToString(CultureInfo.InvariantCulture);
}
