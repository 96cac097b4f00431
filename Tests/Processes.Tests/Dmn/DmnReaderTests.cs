using Processes.Engine.Dmn;
using static Processes.Tests.Dmn.DmnText;

namespace Processes.Tests.Dmn;

/// <summary>Reading DMN files: every problem at once, each with the decision id and the line of the element.</summary>
public sealed class DmnReaderTests
{
    [TestCase("https://www.omg.org/spec/DMN/20191111/MODEL/")]
    [TestCase("https://www.omg.org/spec/DMN/20211108/MODEL/")]
    [TestCase("https://www.omg.org/spec/DMN/20230324/MODEL/")]
    public void Reads_the_dmn_versions_camunda_modeler_writes(string ns)
    {
        var result = DmnReader.Read(File(Table("d", "FIRST", ["x"], ["y"], [["-", "1"]]), ns: ns));

        result.Errors.ShouldBeEmpty(string.Join("\n", result.Errors));
        result.Requirements!.Id.ShouldBe("drg");
        result.Requirements.Name.ShouldBe("Test decisions");
        result.Requirements.Find("d")!.Logic.ShouldBeOfType<DecisionTable>().HitPolicy.ShouldBe(HitPolicy.First);
    }

    [Test]
    public void The_default_hit_policy_is_unique()
    {
        var drg = Read(Table("d", "", ["x"], ["y"], [["-", "1"]]).Replace(" hitPolicy=\"\"", "", StringComparison.Ordinal));

        drg.Find("d")!.Logic.ShouldBeOfType<DecisionTable>().HitPolicy.ShouldBe(HitPolicy.Unique);
    }

    [Test]
    public void Every_problem_is_reported_with_decision_id_element_and_line()
    {
        var xml = File(string.Join("\n",
            Table("bad-feel", "FIRST", ["x"], ["y"], [["[1..", "1"], ["-", "1 +"]]),
            Table("bad-policy", "SOMETIMES", ["x"], ["y"], [["-", "1"]]),
            Table("no-output", "FIRST", ["x"], [], [["-"]])));

        var result = DmnReader.Read(xml);

        result.Requirements.ShouldBeNull();
        var errors = result.Errors.ToList();
        var unaryTests = errors.Where(e => e.Message.Contains("input entry 1", StringComparison.Ordinal)).ShouldHaveSingleItem();
        unaryTests.ElementId.ShouldBe("bad-feel");
        unaryTests.Message.ShouldContain("Rule 'bad-feel-r1' (row 1)");
        unaryTests.Message.ShouldContain("'[1..'");
        unaryTests.Line.ShouldBe(5, "the line of the rule's input entry");
        var outputEntry = errors.Where(e => e.Message.Contains("output entry 1", StringComparison.Ordinal)).ShouldHaveSingleItem();
        outputEntry.Message.ShouldContain("Rule 'bad-feel-r2' (row 2)");
        outputEntry.Line.ShouldBe(6);
        var policy = errors.Where(e => e.ElementId == "bad-policy").ShouldHaveSingleItem();
        policy.Message.ShouldContain("'SOMETIMES' is unknown");
        policy.Line.ShouldBe(9, "the line of the decisionTable element");
        errors.Where(e => e.ElementId == "no-output").ShouldHaveSingleItem().Message.ShouldContain("no output column");
        unaryTests.ToString().ShouldStartWith("Error decision 'bad-feel' (line 5");
    }

    [Test]
    public void Duplicate_decision_ids_are_an_error()
    {
        var result = DmnReader.Read(File(Literal("same", "1") + "\n" + Literal("same", "2")));

        result.Errors.ShouldHaveSingleItem().Message.ShouldContain("Two decisions of the file have this id");
        result.Errors.Single().Line.ShouldBe(4);
    }

    [Test]
    public void Required_decisions_must_exist_and_must_not_form_a_cycle()
    {
        var result = DmnReader.Read(File(string.Join("\n",
            Literal("a", "b", Requires("b")),
            Literal("b", "c", Requires("c")),
            Literal("c", "a", Requires("a")),
            Literal("d", "1", Requires("nowhere")))));

        var errors = result.Errors.ToList();
        errors.Where(e => e.Message.Contains("requires itself", StringComparison.Ordinal)).Select(e => e.ElementId).ShouldBe(["a", "b", "c"]);
        errors.ShouldContain(e => e.Message.Contains("a → b → c → a", StringComparison.Ordinal));
        errors.Where(e => e.ElementId == "d").ShouldHaveSingleItem().Message.ShouldContain("'nowhere' is not in this file");
    }

    [Test]
    public void Rules_with_the_wrong_number_of_entries_and_unnamed_outputs_are_errors()
    {
        var table = Table("t", "COLLECT", ["x", "y"], ["a", "b"], [["-", "> 1", "1", "2"]], aggregation: "SUM")
            .Replace("name=\"b\"", "", StringComparison.Ordinal)
            .Replace("<inputEntry><text>-</text></inputEntry>", "", StringComparison.Ordinal);

        var messages = DmnReader.Read(File(table)).Errors.Select(e => e.Message).ToList();

        messages.ShouldContain(m => m.Contains("has 1 input entries, but the table has 2 inputs", StringComparison.Ordinal));
        messages.ShouldContain(m => m.Contains("has no name", StringComparison.Ordinal));
        messages.ShouldContain(m => m.Contains("SUM needs exactly one output column", StringComparison.Ordinal));
    }

    [Test]
    public void Priority_without_output_values_is_an_error_and_boxed_logic_is_not()
    {
        var result = DmnReader.Read(File(
            Table("p", "PRIORITY", ["x"], ["y"], [["-", "1"]]) + "\n<decision id=\"ctx\"><context /></decision>"));

        result.Errors.ShouldContain(e => e.ElementId == "p" && e.Message.Contains("output values", StringComparison.Ordinal));
        result.Errors.ShouldNotContain(e => e.ElementId == "ctx");
    }

    [TestCase("<definitions xmlns=\"http://www.omg.org/spec/BPMN/20100524/MODEL\" />", "a DMN file starts with 'definitions'")]
    [TestCase("<definitions xmlns=\"https://www.omg.org/spec/DMN/20191111/MODEL/\">", "not well-formed")]
    [TestCase("", "expected DMN")]
    [TestCase("<?xml version=\"1.0\"?><!DOCTYPE d [<!ENTITY x \"y\">]><definitions xmlns=\"https://www.omg.org/spec/DMN/20191111/MODEL/\" />", "DOCTYPE")]
    [TestCase("<definitions xmlns=\"https://www.omg.org/spec/DMN/20191111/MODEL/\" />", "no decision")]
    public void A_file_that_is_not_dmn_is_described(string xml, string expected)
    {
        var result = DmnReader.Read(xml);

        result.Requirements.ShouldBeNull();
        result.Errors.ShouldContain(e => e.Message.Contains(expected, StringComparison.Ordinal), string.Join("\n", result.Errors));
    }
}
