using static Processes.Tests.Dmn.DmnText;

namespace Processes.Tests.Dmn;

/// <summary>Hit policies, defaults, required decisions and literal expressions, evaluated without a database.</summary>
public sealed class DecisionTableTests
{
    private static readonly string[][] Discounts =
    [
        ["\"VIP\"", ">= 100", "20"],
        ["\"VIP\"", "-", "10"],
        ["-", ">= 100", "5"],
    ];

    private static string DiscountTable(string hitPolicy, string? aggregation = null) =>
        Table("discount", hitPolicy, ["tier", "amount"], ["discount"], Discounts, aggregation);

    [TestCase("UNIQUE", """{"tier":"regular","amount":150}""", "5")]
    [TestCase("FIRST", """{"tier":"VIP","amount":150}""", "20")]
    [TestCase("RULE ORDER", """{"tier":"VIP","amount":150}""", "[20,10,5]")]
    [TestCase("COLLECT", """{"tier":"VIP","amount":150}""", "[20,10,5]")]
    [TestCase("COLLECT", """{"tier":"regular","amount":1}""", "[]")]
    [TestCase("FIRST", """{"tier":"regular","amount":1}""", "null")]
    public void A_hit_policy_turns_the_matching_rules_into_the_result(string hitPolicy, string variables, string expected)
    {
        Json(Evaluate(DiscountTable(hitPolicy), "discount", variables)).ShouldBe(expected);
    }

    [TestCase("SUM", "35")]
    [TestCase("MIN", "5")]
    [TestCase("MAX", "20")]
    [TestCase("COUNT", "3")]
    public void Collect_aggregates_the_outputs_of_the_matching_rules(string aggregation, string expected)
    {
        Json(Evaluate(DiscountTable("COLLECT", aggregation), "discount", """{"tier":"VIP","amount":150}""")).ShouldBe(expected);
    }

    [Test]
    public void Unique_with_two_matching_rules_fails_naming_the_rules()
    {
        var result = Evaluate(DiscountTable("UNIQUE"), "discount", """{"tier":"VIP","amount":150}""");

        result.Ok.ShouldBeFalse();
        result.FailedDecisionId.ShouldBe("discount");
        result.Failure!.ShouldContain("decision 'discount'");
        result.Failure!.ShouldContain("UNIQUE");
        result.Failure!.ShouldContain("rule 'discount-r1' (row 1)");
        result.Failure!.ShouldContain("rule 'discount-r3' (row 3)");
    }

    [Test]
    public void Any_accepts_agreeing_rules_and_fails_on_disagreeing_ones()
    {
        var table = Table("any", "ANY", ["x"], ["y"], [["> 0", "\"positive\""], ["> 10", "\"positive\""], ["> 100", "\"big\""]]);

        Json(Evaluate(table, "any", """{"x":50}""")).ShouldBe("\"positive\"");
        var failed = Evaluate(table, "any", """{"x":500}""");
        failed.Ok.ShouldBeFalse();
        failed.Failure!.ShouldContain("ANY");
    }

    [Test]
    public void Priority_and_output_order_follow_the_output_values()
    {
        string[][] rules = [["> 0", "\"low\""], ["> 10", "\"high\""], ["> 5", "\"medium\""]];
        var outputs = new[] { "level|\"high\",\"medium\",\"low\"" };

        Json(Evaluate(Table("p", "PRIORITY", ["x"], outputs, rules), "p", """{"x":20}""")).ShouldBe("\"high\"");
        Json(Evaluate(Table("p", "PRIORITY", ["x"], outputs, rules), "p", """{"x":7}""")).ShouldBe("\"medium\"");
        Json(Evaluate(Table("o", "OUTPUT ORDER", ["x"], outputs, rules), "o", """{"x":20}""")).ShouldBe("""["high","medium","low"]""");
    }

    [Test]
    public void Several_outputs_give_a_context_per_rule_and_report_the_matched_rule()
    {
        var table = Table("sla", "FIRST", ["customer.tier"], ["slaTarget", "priority"],
            [["\"VIP\"", "\"PT4H\"", "80"], ["-", "\"PT8H\"", "50"]]);

        var result = Evaluate(table, "sla", """{"customer":{"tier":"VIP"}}""");

        Json(result).ShouldBe("""{"slaTarget":"PT4H","priority":80}""");
        var evaluated = result.Evaluated.ShouldHaveSingleItem();
        evaluated.MatchedRules.ShouldHaveSingleItem().Rule.Id.ShouldBe("sla-r1");
        evaluated.Inputs.ShouldHaveSingleItem().Value.ShouldBeOfType<Processes.Engine.Feel.Values.FeelString>().Value.ShouldBe("VIP");
    }

    [Test]
    public void A_missing_input_variable_is_null_and_only_matches_dash()
    {
        var table = Table("t", "UNIQUE", ["tier"], ["r"], [["\"VIP\"", "1"], ["null", "2"]]);

        Json(Evaluate(table, "t")).ShouldBe("2");
    }

    [Test]
    public void Required_decisions_are_evaluated_first_and_visible_by_id_and_name()
    {
        var decisions = string.Join("\n",
            Table("tier", "FIRST", ["amount"], ["tier"], [[">= 1000", "\"gold\""], ["-", "\"basic\""]]),
            Literal("bonus", "if tier decision = \"gold\" then 100 else 0", Requires("tier")),
            Literal("total", "amount + bonus", Requires("bonus", "tier")));

        var result = Evaluate(decisions, "total", """{"amount":1500}""");

        Json(result).ShouldBe("1600");
        result.Evaluated.Select(e => e.Decision.Id).ShouldBe(["tier", "bonus", "total"], "each required decision once, before the decisions needing it");
    }

    [Test]
    public void A_literal_expression_decision_gives_the_value_of_its_expression()
    {
        Json(Evaluate(Literal("greeting", "\"Hello \" + name"), "greeting", """{"name":"Ada"}""")).ShouldBe("\"Hello Ada\"");
    }
}
