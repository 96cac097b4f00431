using static Processes.Tests.Dmn.DmnText;

namespace Processes.Tests.Dmn;

/// <summary>
/// A decision table's input values and output values (DMN 1.5 §8.3.2): unary tests that constrain the value of an
/// input expression and every value an output column gives. A value outside them makes the table's value null,
/// and the result says which column and which value, so a business-rule task raises an incident that names them.
/// </summary>
public sealed class ValueListTests
{
    private static string Table(string inputValues, string outputValues, string outputEntry = "\"fail\"", string outputType = "string") =>
        $"""
        <decision id="grade" name="Grade">
          <decisionTable hitPolicy="FIRST">
            <input id="score" label="Score">
              <inputExpression typeRef="number"><text>score</text></inputExpression>
              <inputValues><text>{Escape(inputValues)}</text></inputValues>
            </input>
            <output id="grade-out" name="grade" typeRef="{outputType}">
              <outputValues><text>{Escape(outputValues)}</text></outputValues>
            </output>
            <rule id="high"><inputEntry><text>&gt;= 50</text></inputEntry><outputEntry><text>"pass"</text></outputEntry></rule>
            <rule id="low"><inputEntry><text>&lt; 50</text></inputEntry><outputEntry><text>{Escape(outputEntry)}</text></outputEntry></rule>
          </decisionTable>
        </decision>
        """;

    [Test]
    public void An_input_among_its_input_values_is_evaluated_as_usual()
    {
        var result = Evaluate(Table("[0..100]", "\"pass\",\"fail\"", "\"fail\""), "grade", """{"score": 70}""");

        result.Ok.ShouldBeTrue(result.Failure);
        Json(result).ShouldBe("\"pass\"");
    }

    [Test]
    public void An_input_outside_its_input_values_makes_the_table_null_and_names_the_input_and_the_value()
    {
        var result = Evaluate(Table("[0..100]", "\"pass\",\"fail\"", "\"fail\""), "grade", """{"score": 170}""");

        Json(result).ShouldBe("null");
        result.Ok.ShouldBeFalse();
        result.FailedDecisionId.ShouldBe("grade");
        result.Failure!.ShouldContain("input 'Score' is number 170");
        result.Failure!.ShouldContain("not among its input values ([0..100])");
    }

    [Test]
    public void A_missing_input_is_not_a_value_outside_the_list()
    {
        var result = Evaluate(Table("[0..100]", "\"pass\",\"fail\"", "\"fail\""), "grade", "{}");

        result.Ok.ShouldBeTrue(result.Failure);
        Json(result).ShouldBe("null");
    }

    [Test]
    public void An_output_outside_its_output_values_makes_the_table_null_and_names_the_rule_and_the_value()
    {
        var result = Evaluate(Table("[0..100]", "\"pass\",\"fail\"", "\"unknown\""), "grade", """{"score": 10}""");

        Json(result).ShouldBe("null");
        result.Ok.ShouldBeFalse();
        result.Failure!.ShouldContain("rule 'low' (row 2) gives output 'grade' string \"unknown\"");
        result.Failure!.ShouldContain("not among its output values");
    }

    [Test]
    public void Output_values_may_be_any_unary_tests_not_only_constants()
    {
        // outputValues are UnaryTests in the DMN schema: a range or a comparison is as valid as a list of strings. The
        // column is typed number: its values must conform to its typeRef too (DecisionTableTypeRefTests).
        var table = Table("-", "[0..10], > 40", "score", outputType: "number");

        Json(Evaluate(table, "grade", """{"score": 7}""")).ShouldBe("7");
        Json(Evaluate(table, "grade", """{"score": 45}""")).ShouldBe("45");
        Evaluate(table, "grade", """{"score": 20}""").Failure!.ShouldContain("gives output 'grade' number 20");
    }

    [Test]
    public void Input_values_may_list_null_explicitly()
    {
        // The DMN 1.5 chapter 11 example writes "null, [0..999]" for an optional credit score.
        var table = Table("null, [0..999]", "\"pass\",\"fail\"", "\"fail\"");

        Evaluate(table, "grade", """{"score": 1000}""").Failure!.ShouldContain("input 'Score' is number 1000");
        Json(Evaluate(table, "grade", """{"score": 999}""")).ShouldBe("\"pass\"");
    }

    [Test]
    public void Input_values_that_are_not_unary_tests_are_refused_at_deployment_with_the_decision_and_line()
    {
        var read = Processes.Engine.Dmn.DmnReader.Read(File(Table("[0..", "\"pass\"")));

        read.Requirements.ShouldBeNull();
        var problem = read.Problems.Single(p => p.IsError);
        problem.ElementId.ShouldBe("grade");
        problem.Message.ShouldContain("The input values of input 'Score'");
        problem.Line.ShouldNotBeNull();
        problem.Line.Value.ShouldBeGreaterThan(2);
    }

    [Test]
    public void The_evaluated_decision_records_the_null_value()
    {
        var result = Evaluate(Table("[0..100]", "\"pass\",\"fail\"", "\"fail\""), "grade", """{"score": -1}""");

        result.Evaluated.Single().Output.ToString().ShouldBe("null");
    }
}
