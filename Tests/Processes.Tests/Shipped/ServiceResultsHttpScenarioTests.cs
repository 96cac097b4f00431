using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Processes.Host.Identity;
using Processes.Tests.Calendars;
using Processes.Tests.Identity;

namespace Processes.Tests.Shipped;

/// <summary>
/// Service results end to end over HTTP on the real host: four demands are resolved with their completion standards,
/// three customers answer the survey SMS (relayed to /api/demands/{id}/survey-answer), one never does; the survey and
/// completion reports (JSON and CSV) count exactly what the test did, before and after the survey window passes.
/// </summary>
public sealed class ServiceResultsHttpScenarioTests : ShippedHttpScenario
{
    protected override DateTimeOffset Start => TestCalendars.Cn(11, 24, 9);

    [Test]
    public async Task Survey_answers_land_on_their_demands_and_the_reports_count_them_and_the_completion_standards()
    {
        var ann = await UserAsync([Roles.Agent], "after-sales");
        var profile = await Admin.PutAsJsonAsync($"/api/agents/{ann.UserName}", new
        {
            skills = new[] { "logistics" }, regions = new[] { "Hangzhou" }, tiers = new[] { "regular" }, capacity = 10, onDuty = true,
        });
        profile.StatusCode.ShouldBe(HttpStatusCode.OK, await profile.Content.ReadAsStringAsync());
        var agent = Host.Bearer(ann.ApiKey);
        (string Id, string Standard, int? Score)[] demands =
            [("D-S1", "refund-received", 5), ("D-S2", "refund-received", 4), ("D-S3", "repaired", 2), ("D-S4", "information-provided", null)];

        var instances = new Dictionary<string, long>();
        foreach (var (id, standard, _) in demands)
        {
            var instance = await StartDemandAsync(agent, id);
            instances[id] = instance;
            // The ticket belongs to the called sla-escalation instance; the previous demand's is completed, so it is the one open.
            var ticket = await EventuallyAsync("the work ticket", async () =>
            {
                var found = await IdentityHost.PostAsync(agent, "/v2/user-tasks/search", new { filter = new { elementId = "WorkTicket", state = "CREATED" } });
                return found.GetProperty("items").EnumerateArray().Select(t => (JsonElement?)t).FirstOrDefault();
            }, instance);
            await ClaimAndCompleteAsync(agent, ann, ticket, new { ticketOutcome = "resolved", completionStandard = standard });
        }
        foreach (var (id, _, score) in demands.Where(d => d.Score is not null))
        {
            var answer = await ScenarioHttp.AnswerSurveyAsync(agent, Admin, instances[id].ToString(CultureInfo.InvariantCulture), id,
                new { score, comment = $"answer of {id}" }, Logs, Patience);
            answer.GetProperty("survey").GetProperty("score").GetInt32().ShouldBe(score!.Value);
        }
        foreach (var (id, _, score) in demands.Where(d => d.Score is not null))
        {
            var view = await CompletedAsync(instances[id]);
            view.GetProperty("variables").GetProperty("survey").GetProperty("score").GetInt32().ShouldBe(score!.Value, $"{id}'s answer on {id}");
        }
        await WaitAtAsync(instances["D-S4"], "AwaitSurvey");

        var range = $"from={Uri.EscapeDataString(Start.AddDays(-1).ToString("O"))}&to={Uri.EscapeDataString(Start.AddDays(5).ToString("O"))}";
        var surveys = await Admin.GetFromJsonAsync<JsonElement>($"/api/reports/surveys?{range}");
        surveys.GetProperty("surveyed").GetInt64().ShouldBe(4);
        surveys.GetProperty("answered").GetInt64().ShouldBe(3);
        surveys.GetProperty("responseRatePercent").GetDouble().ShouldBe(75.0);
        surveys.GetProperty("averageScore").GetDouble().ShouldBe(Math.Round((5 + 4 + 2) / 3.0, 2));
        surveys.GetProperty("satisfiedPercent").GetDouble().ShouldBe(66.7);
        Rows(surveys).ShouldBe(["answered/2/1", "answered/4/1", "answered/5/1", "awaiting//1"]);

        // Three days later D-S4's window has passed: it counts as not answered, and a late reply finds no demand waiting.
        Clock.Set(Start.AddDays(4));
        await CompletedAsync(instances["D-S4"]);
        var late = await agent.PostAsJsonAsync("/api/demands/D-S4/survey-answer", new { score = 3 });
        late.StatusCode.ShouldBe(HttpStatusCode.NotFound, await late.Content.ReadAsStringAsync());
        surveys = await Admin.GetFromJsonAsync<JsonElement>($"/api/reports/surveys?{range}");
        Rows(surveys).ShouldBe(["answered/2/1", "answered/4/1", "answered/5/1", "no answer//1"]);
        var csv = await Admin.GetStringAsync(new Uri($"/api/reports/surveys?{range}&format=csv", UriKind.Relative));
        csv.ShouldBe("result,score,count\r\nanswered,2,1\r\nanswered,4,1\r\nanswered,5,1\r\nno answer,,1\r\n");

        var completions = await Admin.GetFromJsonAsync<JsonElement>($"/api/reports/completions?{range}");
        completions.GetProperty("rows").EnumerateArray()
            .Select(r => $"{r.GetProperty("standard").GetString()}/{r.GetProperty("reason").GetString()}/{r.GetProperty("count").GetInt64()}")
            .ShouldBe(["refund-received/resolved/2", "information-provided/resolved/1", "repaired/resolved/1"]);
        (await Admin.GetStringAsync(new Uri($"/api/reports/completions?{range}&format=csv", UriKind.Relative)))
            .ShouldStartWith("standard,reason,count\r\nrefund-received,resolved,2\r\n");

        // Another process filtered for has no demands; a wrong score is refused naming the field.
        var other = await Admin.GetFromJsonAsync<JsonElement>($"/api/reports/surveys?{range}&processId=exception-order");
        other.GetProperty("surveyed").GetInt64().ShouldBe(0);
        var bad = await agent.PostAsJsonAsync("/api/demands/D-S4/survey-answer", new { score = "five" });
        bad.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await bad.Content.ReadAsStringAsync()).ShouldContain("score");
    }

    private static List<string> Rows(JsonElement report) =>
        [.. report.GetProperty("rows").EnumerateArray().Select(r =>
            $"{r.GetProperty("result").GetString()}/{(r.TryGetProperty("score", out var s) ? s.GetInt32().ToString(CultureInfo.InvariantCulture) : "")}/{r.GetProperty("count").GetInt64()}")];

    private static async Task<long> StartDemandAsync(HttpClient client, string demandId)
    {
        var response = await client.PostAsJsonAsync("/v2/process-instances", new
        {
            processDefinitionId = "demand-ticket",
            businessKey = demandId,
            variables = new
            {
                demandId,
                entrance = "hotline",
                appeal = "delivery",
                customer = new { id = "C-" + demandId, phone = "+86 138 0000 0099", tier = "regular", city = "Hangzhou" },
                scenario = new { orderId = "O-" + demandId, domain = "logistics", defectType = "late-delivery" },
            },
        });
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, text);
        return long.Parse(JsonDocument.Parse(text).RootElement.GetProperty("processInstanceKey").GetString()!, CultureInfo.InvariantCulture);
    }
}
