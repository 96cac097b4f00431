using Processes.Engine.Dmn;
using Processes.Engine.Feel.Values;
using static Processes.Tests.Dmn.DmnText;

namespace Processes.Tests.Dmn;

/// <summary>
/// Implicit conversions on typed elements (DMN 1.5 §10.3.2.9.4): a business knowledge model's results take the
/// output type of its function type (singleton list ↔ value, date → date and time at UTC midnight), and a value
/// that cannot conform is null with a reason; the TCK 1157 "implicit conversions" cases in miniature.
/// </summary>
public sealed class KnowledgeModelTypeTests
{
    private const string Types = """
        <itemDefinition name="numberList" isCollection="true"><typeRef>number</typeRef></itemDefinition>
        <itemDefinition name="returnsNumberList"><functionItem outputTypeRef="numberList"/></itemDefinition>
        <itemDefinition name="returnsNumber"><functionItem outputTypeRef="number"/></itemDefinition>
        <itemDefinition name="returnsDateTime"><functionItem outputTypeRef="date and time"/></itemDefinition>
        <itemDefinition name="dateList" isCollection="true"><typeRef>date</typeRef></itemDefinition>
        <itemDefinition name="returnsDateList"><functionItem outputTypeRef="dateList"/></itemDefinition>
        """;

    private static string Bkm(string name, string typeRef, string body, string parameters = "") =>
        $"""
        <businessKnowledgeModel id="{name}-id" name="{name}">
          <variable name="{name}" typeRef="{typeRef}"/>
          <encapsulatedLogic kind="FEEL">{parameters}<literalExpression><text>{Escape(body)}</text></literalExpression></encapsulatedLogic>
        </businessKnowledgeModel>
        """;

    private static string Model =>
        Types +
        Bkm("toList", "returnsNumberList", "1") +
        Bkm("fromList", "returnsNumber", "[1]") +
        Bkm("toDateTime", "returnsDateTime", "date(2000, 1, 2)") +
        Bkm("wrong", "returnsNumber", "\"one\"") +
        Bkm("twice", "returnsNumberList", "x * 2", "<formalParameter name=\"x\" typeRef=\"number\"/>") +
        Literal("a", "toList()") + Literal("b", "fromList()") + Literal("c", "toDateTime()") + Literal("d", "wrong()") +
        """
        <decision id="e" name="e decision"><variable name="e decision" typeRef="date and time"/>
          <literalExpression><text>date(2000, 1, 2)</text></literalExpression></decision>
        """;

    [TestCase("a", "[1]")]
    [TestCase("b", "1")]
    [TestCase("c", "\"2000-01-02T00:00:00Z\"")]
    [TestCase("d", "null")]
    public void A_knowledge_model_result_takes_the_output_type_of_its_function_type(string decision, string expected)
    {
        Json(Evaluate(Model, decision)).ShouldBe(expected);
    }

    [Test]
    public void A_date_given_where_a_date_and_time_is_declared_is_that_date_at_utc_midnight()
    {
        Json(Evaluate(Model, "e")).ShouldBe("\"2000-01-02T00:00:00Z\"");
    }

    [Test]
    public void A_decision_service_value_takes_the_output_type_of_its_function_type()
    {
        var model = Types +
            "<decisionService id=\"ds\" name=\"dates\"><variable name=\"dates\" typeRef=\"returnsDateList\"/><outputDecision href=\"#body\"/></decisionService>" +
            "<decision id=\"body\" name=\"Body\"><variable name=\"Body\" typeRef=\"date\"/><literalExpression><text>date(2000, 1, 2)</text></literalExpression></decision>" +
            Literal("caller", "dates()");
        var drg = Read(model);

        var result = DecisionEvaluator.InvokeService(drg, drg.Parts.Services.Single(), new Dictionary<string, FeelValue>(), DateTimeOffset.UtcNow);

        result.Outputs["Body"].ToString().ShouldBe("2000-01-02");
        result.Value.ToString().ShouldBe("[2000-01-02]");
        Json(Evaluate(model, "caller")).ShouldBe("[\"2000-01-02\"]");
    }

    [Test]
    public void A_knowledge_model_is_invoked_alone_with_arguments_by_parameter_name()
    {
        var drg = Read(Model);
        var twice = drg.Parts.KnowledgeModels.Single(k => k.Name == "twice");

        var (value, failure) = DecisionEvaluator.InvokeKnowledgeModel(drg, twice, [new("x", new FeelNumber(21))], DateTimeOffset.UtcNow);

        failure.ShouldBeNull();
        value.ToString().ShouldBe("[42]");
    }

    [Test]
    public void A_result_that_cannot_take_the_type_is_null_and_says_why()
    {
        var drg = Read(Model);
        var wrong = drg.Parts.KnowledgeModels.Single(k => k.Name == "wrong");

        var (value, failure) = DecisionEvaluator.InvokeKnowledgeModel(drg, wrong, [], DateTimeOffset.UtcNow);

        value.ShouldBe(FeelValue.Null);
        failure!.ShouldContain("does not conform to type 'number'");
    }
}
