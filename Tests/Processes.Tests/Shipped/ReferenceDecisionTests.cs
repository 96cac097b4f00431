using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Processes.Tests.Shipped;

/// <summary>
/// The shipped reference data lives in decision tables, not in the models' FEEL: the transfer reason → group rule
/// (transfer-groups.dmn) and the exception order's problem taxonomy (exception-problems.dmn). A new table version
/// changes what the next instance does, without a new version of the process; the start form's lists match the table.
/// </summary>
public sealed partial class ReferenceDecisionTests : DemandModelTest
{
    [TestCase("logistics", "logistics")]
    [TestCase("merchant", "merchant-liaison")]
    [TestCase("language", "international")]
    [TestCase("wrong-skill-group", "dispatch")]
    public async Task The_transfer_reason_picks_the_next_group_through_the_decision(string reason, string group)
    {
        var demand = await StartDemandAsync($"D-R-{reason}", "regular");
        (await TransferAsync(demand, reason)).ShouldBe([group]);
        (await VariablesAsync(demand))["transferTarget"]!.GetValue<string>().ShouldBe(group);
    }

    [Test]
    public async Task A_new_version_of_the_transfer_table_routes_the_next_transfer_without_a_new_demand_model()
    {
        var before = await StartDemandAsync("D-R-10", "regular");
        (await TransferAsync(before, "merchant")).ShouldBe(["merchant-liaison"]);

        await DeployAsync(ShippedDefinitions.Text("transfer-groups.dmn").Replace("\"merchant-liaison\"", "\"merchant-desk\"", StringComparison.Ordinal),
            "transfer-groups.dmn");
        var after = await StartDemandAsync("D-R-11", "regular");
        (await TransferAsync(after, "merchant")).ShouldBe(["merchant-desk"]);

        (await CountAsync("SELECT count(*) FROM process_definition WHERE bpmn_process_id = 'demand-ticket'")).ShouldBe(1, "the process was not redeployed");
        (await CountAsync("SELECT count(*) FROM decision_definition WHERE decision_id = 'transfer-groups'")).ShouldBe(2);
    }

    [Test]
    public async Task A_problem_detail_added_to_the_taxonomy_table_is_accepted_by_the_next_exception_order()
    {
        await DeployAsync(ShippedDefinitions.Text("exception-problems.dmn"), "exception-problems.dmn");
        await DeployAsync(ShippedDefinitions.Text("exception-order.bpmn"), "exception-order.bpmn");
        var rejected = await StartOrderAsync("O-R-1", "sold-out", "pre-sale-delayed");
        (await VariablesAsync(rejected))["problemValid"]!.GetValue<bool>().ShouldBeFalse();
        (await StateAsync(rejected)).ShouldBe("COMPLETED", "an unknown detail ends the order at once");

        await DeployAsync(ShippedDefinitions.Text("exception-problems.dmn").Replace("\"fully-sold-out\", \"partly-sold-out\"",
            "\"fully-sold-out\", \"partly-sold-out\", \"pre-sale-delayed\"", StringComparison.Ordinal), "exception-problems.dmn");
        var accepted = await StartOrderAsync("O-R-2", "sold-out", "pre-sale-delayed");
        (await VariablesAsync(accepted))["problemValid"]!.GetValue<bool>().ShouldBeTrue();
        (await StateAsync(accepted)).ShouldBe("ACTIVE");
        (await CountAsync("SELECT count(*) FROM process_definition WHERE bpmn_process_id = 'exception-order'")).ShouldBe(1, "the process was not redeployed");
    }

    [Test]
    public void The_exception_start_form_offers_exactly_the_taxonomy_of_the_decision_table()
    {
        var table = Taxonomy();
        var form = JsonNode.Parse(ShippedDefinitions.Text("exception-start.form"))!["components"]!.AsArray();
        var types = form.Single(c => c!["key"]?.GetValue<string>() == "problemType")!["values"]!.AsArray().Select(v => v!["value"]!.GetValue<string>()).ToList();
        var details = form.Single(c => c!["key"]?.GetValue<string>() == "problemDetail")!["valuesExpression"]!.GetValue<string>();
        var offered = TypeLists().Matches(details).ToDictionary(m => m.Groups[1].Value,
            m => ValueNames().Matches(m.Groups[2].Value).Select(v => v.Groups[1].Value).Order(StringComparer.Ordinal).ToList());

        types.Order(StringComparer.Ordinal).ShouldBe(table.Keys.Order(StringComparer.Ordinal));
        foreach (var (type, detailsOfType) in table.Where(t => t.Key != "other"))
        {
            offered[type].ShouldBe(detailsOfType.Order(StringComparer.Ordinal).ToList(), $"the details the form offers for {type}");
        }
    }

    [Test]
    public void The_shipped_problem_catalogues_start_equal_to_the_decision_table()
    {
        var table = Taxonomy();
        var types = JsonNode.Parse(ShippedDefinitions.Text("catalogues/exception-problem-types.catalogue.json"))!["entries"]!.AsArray()
            .Select(e => e!["value"]!.GetValue<string>()).Order(StringComparer.Ordinal).ToList();
        types.ShouldBe(table.Keys.Order(StringComparer.Ordinal));
        var details = JsonNode.Parse(ShippedDefinitions.Text("catalogues/exception-problem-details.catalogue.json"))!["entries"]!.AsArray()
            .GroupBy(e => e!["parent"]!.GetValue<string>(), e => e!["value"]!.GetValue<string>())
            .ToDictionary(g => g.Key, g => g.Order(StringComparer.Ordinal).ToList());
        foreach (var (type, detailsOfType) in table.Where(t => t.Key != "other"))
        {
            details[type].ShouldBe(detailsOfType.Order(StringComparer.Ordinal).ToList(), $"the catalogue's details of {type}");
        }
    }

    /// <summary>Problem type → details, read from the table's rules (the other type takes any detail: none listed).</summary>
    private static Dictionary<string, List<string>> Taxonomy()
    {
        XNamespace dmn = "https://www.omg.org/spec/DMN/20191111/MODEL/";
        var rules = XDocument.Parse(ShippedDefinitions.Text("exception-problems.dmn")).Descendants(dmn + "rule")
            .Select(r => r.Elements(dmn + "inputEntry").Select(e => e.Element(dmn + "text")!.Value.Trim()).ToList())
            .Where(entries => entries[0] != "-");
        return rules.ToDictionary(entries => entries[0].Trim('"'),
            entries => entries[1] == "-" ? [] : entries[1].Split(',').Select(d => d.Trim().Trim('"')).ToList());
    }

    [GeneratedRegex("\"([a-z-]+)\": \\[([^\\]]*)\\]")]
    private static partial Regex TypeLists();

    [GeneratedRegex("value: \"([a-z-]+)\"")]
    private static partial Regex ValueNames();

    /// <summary>Routes the demand to ann, transfers her ticket with the reason; answers the groups the transfer step routes to.</summary>
    private async Task<List<string>> TransferAsync(long demand, string reason)
    {
        await CompleteAsync(await TakeJobAsync(demand, "assign"), "ann", "after-sales", "first line");
        await CompleteTicketAsync(await OpenTicketAsync(demand), $$"""{"ticketOutcome": "transferred", "transferReason": "{{reason}}", "transferGroup": ""}""");
        var route = await TakeJobAsync(demand, "assign");
        route.ElementId.ShouldBe("RouteTransfer");
        return [.. route.Variables["candidateGroups"]!.AsArray().Select(g => g!.GetValue<string>())];
    }

    private Task<long> StartOrderAsync(string orderId, string type, string detail) => StartAsync("exception-order", Vars($$"""
        {"orderId": "{{orderId}}", "customer": {"id": "C-9", "phone": "+86 135 0000 0009"}, "problemType": "{{type}}", "problemDetail": "{{detail}}",
         "responsible": "lee"}
        """), null);
}
