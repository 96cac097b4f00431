using static Processes.Tests.Dmn.DmnText;

namespace Processes.Tests.Dmn;

/// <summary>
/// Input data take their declared type (DMN 1.5 §7.3.4: a value that does not conform to the variable's typeRef,
/// including an item definition's allowed values, is null). A decision that requires such an input data element
/// says so in its result, naming the input data, the value and the type, so a business-rule task raises an incident
/// instead of silently deciding on null.
/// </summary>
public sealed class InputDataTypeTests
{
    private const string Model = """
        <itemDefinition name="tAge"><typeRef>number</typeRef><allowedValues><text>[0..150]</text></allowedValues></itemDefinition>
        <inputData id="age-input" name="Age"><variable name="Age" typeRef="tAge"/></inputData>
        <inputData id="name-input" name="Name"><variable name="Name" typeRef="string"/></inputData>
        <decision id="next" name="Next age">
          <informationRequirement><requiredInput href="#age-input"/></informationRequirement>
          <literalExpression><text>Age + 1</text></literalExpression>
        </decision>
        <decision id="greeting" name="Greeting">
          <informationRequirement><requiredInput href="#name-input"/></informationRequirement>
          <literalExpression><text>"Hello " + Name</text></literalExpression>
        </decision>
        <decision id="card" name="Card">
          <informationRequirement><requiredDecision href="#next"/></informationRequirement>
          <literalExpression><text>"Next year: " + string(Next age)</text></literalExpression>
        </decision>
        """;

    [Test]
    public void A_conforming_input_is_used_as_given()
    {
        var result = Evaluate(Model, "next", """{"Age": 41}""");

        result.Ok.ShouldBeTrue(result.Failure);
        Json(result).ShouldBe("42");
    }

    [Test]
    public void An_input_of_another_type_is_null_and_the_requiring_decision_names_it()
    {
        var result = Evaluate(Model, "next", """{"Age": "forty"}""");

        Json(result).ShouldBe("null");
        result.Ok.ShouldBeFalse();
        result.FailedDecisionId.ShouldBe("next");
        result.Failure!.ShouldContain("input data 'Age' (string \"forty\") does not conform to its type 'tAge'");
    }

    [Test]
    public void An_input_outside_the_allowed_values_of_its_type_is_null_and_named()
    {
        var result = Evaluate(Model, "next", """{"Age": 200}""");

        Json(result).ShouldBe("null");
        result.Failure!.ShouldContain("input data 'Age' (number 200)");
    }

    [Test]
    public void A_decision_that_does_not_require_the_input_is_not_failed_by_it()
    {
        var result = Evaluate(Model, "greeting", """{"Age": "forty", "Name": "Ann"}""");

        result.Ok.ShouldBeTrue(result.Failure);
        Json(result).ShouldBe("\"Hello Ann\"");
    }

    [Test]
    public void A_violation_in_a_required_decision_names_that_decision()
    {
        var result = Evaluate(Model, "card", """{"Age": -3}""");

        result.FailedDecisionId.ShouldBe("next");
        result.Failure!.ShouldContain("decision 'next': input data 'Age'");
    }
}
