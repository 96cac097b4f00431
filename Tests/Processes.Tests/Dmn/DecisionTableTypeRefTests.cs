using static Processes.Tests.Dmn.DmnText;

namespace Processes.Tests.Dmn;

/// <summary>
/// The typeRef of a decision table's input expressions and output columns (DMN 1.5 §8.3.2 with the conformance of
/// §7.3.4): the value takes the type (a singleton list unwraps, a date becomes a date and time at UTC midnight); a
/// value that does not conform makes the table's value null, and the decision fails with a message naming the
/// column, the value and the type. Types the FEEL type system does not know (Camunda 7's "integer") constrain nothing.
/// </summary>
public sealed class DecisionTableTypeRefTests
{
    private static string Table(string inputType, string outputType, string outputEntry = "\"ok\"", string defaultEntry = "") =>
        $"""
        <itemDefinition name="tLevel"><typeRef>string</typeRef><allowedValues><text>"ok","warn"</text></allowedValues></itemDefinition>
        <decision id="check" name="Check">
          <decisionTable hitPolicy="FIRST">
            <input id="in-value" label="Value"><inputExpression typeRef="{inputType}"><text>value</text></inputExpression></input>
            <output id="out-level" name="level" typeRef="{outputType}">{(defaultEntry.Length > 0 ? $"<defaultOutputEntry><text>{Escape(defaultEntry)}</text></defaultOutputEntry>" : "")}</output>
            <rule id="any"><inputEntry><text>not(null)</text></inputEntry><outputEntry><text>{Escape(outputEntry)}</text></outputEntry></rule>
          </decisionTable>
        </decision>
        """;

    [Test]
    public void An_input_value_that_does_not_conform_to_the_input_expressions_typeRef_makes_the_table_null_and_names_input_value_and_type()
    {
        var result = Evaluate(Table("number", "string"), "check", """{"value": "12"}""");

        Json(result).ShouldBe("null");
        result.FailedDecisionId.ShouldBe("check");
        result.Failure!.ShouldContain("input 'Value' is string \"12\", which does not conform to its type 'number'");
    }

    [Test]
    public void An_input_value_of_its_type_is_tested_as_usual_and_a_singleton_list_takes_the_type()
    {
        Evaluate(Table("number", "string"), "check", """{"value": 12}""").Ok.ShouldBeTrue();
        var single = Evaluate(Table("number", "string"), "check", """{"value": [12]}""");

        single.Ok.ShouldBeTrue(single.Failure);
        single.Evaluated.ShouldHaveSingleItem().Inputs.ShouldHaveSingleItem().Value.ToString().ShouldBe("12");
    }

    [Test]
    public void An_output_value_that_does_not_conform_to_the_columns_typeRef_makes_the_table_null_and_names_rule_output_value_and_type()
    {
        var result = Evaluate(Table("number", "number", outputEntry: "\"ok\""), "check", """{"value": 1}""");

        Json(result).ShouldBe("null");
        result.Failure!.ShouldContain("rule 'any' (row 1) gives output 'level' string \"ok\", which does not conform to its type 'number'");
    }

    [Test]
    public void An_output_typed_by_an_item_definition_must_be_among_its_allowed_values()
    {
        Json(Evaluate(Table("number", "tLevel", outputEntry: "\"warn\""), "check", """{"value": 1}""")).ShouldBe("\"warn\"");

        Evaluate(Table("number", "tLevel", outputEntry: "\"panic\""), "check", """{"value": 1}""").Failure!
            .ShouldContain("does not conform to its type 'tLevel'");
    }

    [Test]
    public void A_date_output_typed_date_and_time_becomes_that_date_at_utc_midnight()
    {
        var result = Evaluate(Table("number", "date and time", outputEntry: "date(\"2026-12-07\")"), "check", """{"value": 1}""");

        result.Ok.ShouldBeTrue(result.Failure);
        Json(result).ShouldBe("\"2026-12-07T00:00:00Z\"");
    }

    [Test]
    public void A_default_output_entry_must_conform_too()
    {
        var result = Evaluate(Table("number", "number", defaultEntry: "\"none\""), "check", "{}");

        Json(result).ShouldBe("null");
        result.Failure!.ShouldContain("the default of output 'level' is string \"none\", which does not conform to its type 'number'");
    }

    [Test]
    public void Null_conforms_to_every_type_and_unknown_type_names_constrain_nothing()
    {
        Evaluate(Table("number", "string"), "check", "{}").Ok.ShouldBeTrue();
        // Camunda 7 models still say "integer" and "double"; FEEL has only number, and the engine takes them as they come.
        Json(Evaluate(Table("integer", "double", outputEntry: "\"ok\""), "check", """{"value": "x"}""")).ShouldBe("\"ok\"");
    }
}
