using Processes.Engine.Dmn;
using Processes.Engine.Feel.Evaluation;
using Processes.Engine.Feel.Values;
using static Processes.Tests.Dmn.DmnText;

namespace Processes.Tests.Dmn;

/// <summary>
/// DMN beyond decision tables (DMN 1.5 chapter 7 and §6.3): boxed expressions, business knowledge models, decision
/// services and typeRef conformance, read and evaluated by the engine without a database.
/// </summary>
public sealed class BoxedExpressionTests
{
    private static string Text(string feel) => $"<literalExpression><text>{Escape(feel)}</text></literalExpression>";

    private static string Decision(string id, string body, string typeRef = "", string requires = "") =>
        $"<decision id=\"{id}\" name=\"{id}\">{(typeRef.Length > 0 ? $"<variable name=\"{id}\" typeRef=\"{typeRef}\"/>" : "")}{requires}{body}</decision>";

    private static string Output(string decisions, string id, string variables = "{}")
    {
        var result = Evaluate(decisions, id, variables);
        result.Failure.ShouldBeNull();
        return Json(result);
    }

    [Test]
    public void A_boxed_context_entry_sees_the_entries_before_it_and_a_final_entry_without_variable_is_the_result()
    {
        var context = "<context>" +
            $"<contextEntry><variable name=\"base\"/>{Text("price * 2")}</contextEntry>" +
            $"<contextEntry><variable name=\"with tax\"/>{Text("base * 1.5")}</contextEntry>" +
            "</context>";
        Output(Decision("d", context), "d", """{"price":10}""").ShouldBe("""{"base":20,"with tax":30}""");

        var withResult = context.Replace("</context>", $"<contextEntry>{Text("with tax + 1")}</contextEntry></context>", StringComparison.Ordinal);
        Output(Decision("d", withResult), "d", """{"price":10}""").ShouldBe("31");
    }

    [Test]
    public void A_business_knowledge_model_is_a_function_invoked_by_a_boxed_invocation_with_named_bindings()
    {
        var bkm = "<businessKnowledgeModel id=\"b\" name=\"Fee\"><encapsulatedLogic><formalParameter name=\"amount\" typeRef=\"number\"/>" +
            $"<formalParameter name=\"rate\" typeRef=\"number\"/>{Text("amount * rate")}</encapsulatedLogic></businessKnowledgeModel>";
        var invocation = $"<invocation>{Text("Fee")}<binding><parameter name=\"rate\"/>{Text("0.1")}</binding>" +
            $"<binding><parameter name=\"amount\"/>{Text("total")}</binding></invocation>";

        Output(bkm + Decision("fee", invocation), "fee", """{"total":250}""").ShouldBe("25");
        Output(bkm + Decision("direct", Text("Fee(100, 0.2)")), "direct").ShouldBe("20");
    }

    [Test]
    public void An_argument_that_does_not_conform_to_its_parameter_type_makes_the_invocation_null()
    {
        var bkm = "<businessKnowledgeModel id=\"b\" name=\"Double\"><encapsulatedLogic><formalParameter name=\"x\" typeRef=\"number\"/>" +
            $"{Text("x * 2")}</encapsulatedLogic></businessKnowledgeModel>";

        Output(bkm + Decision("d", Text("Double(\"two\")")), "d").ShouldBe("null");
    }

    [TestCase("<list>{0}{1}</list>", "[1,2]")]
    [TestCase("<conditional><if>{2}</if><then>{0}</then><else>{1}</else></conditional>", "1")]
    [TestCase("<conditional><if>{3}</if><then>{0}</then><else>{1}</else></conditional>", "2")]
    [TestCase("<for iteratorVariable=\"n\"><in>{4}</in><return>{5}</return></for>", "[10,20,30]")]
    [TestCase("<every iteratorVariable=\"n\"><in>{4}</in><satisfies>{6}</satisfies></every>", "true")]
    [TestCase("<some iteratorVariable=\"n\"><in>{4}</in><satisfies>{7}</satisfies></some>", "true")]
    [TestCase("<filter><in>{4}</in><match>{8}</match></filter>", "[2,3]")]
    public void Lists_conditionals_iterators_and_filters_evaluate_as_boxed_expressions(string template, string expected)
    {
        var parts = new[] { "1", "2", "true", "false", "[1,2,3]", "n * 10", "n > 0", "n = 3", "item > 1" }.Select(Text).ToArray();
        Output(Decision("d", string.Format(System.Globalization.CultureInfo.InvariantCulture, template, parts)), "d").ShouldBe(expected);
    }

    [Test]
    public void A_relation_is_a_list_of_contexts_with_the_column_names_as_keys()
    {
        var relation = "<relation><column name=\"name\"/><column name=\"age\"/>" +
            $"<row>{Text("\"Ann\"")}{Text("30")}</row><row>{Text("\"Bob\"")}{Text("40")}</row></relation>";

        Output(Decision("people", relation), "people").ShouldBe("""[{"name":"Ann","age":30},{"name":"Bob","age":40}]""");
    }

    [Test]
    public void A_boxed_function_definition_is_a_value_a_later_entry_can_call()
    {
        var context = "<context><contextEntry><variable name=\"square\"/><functionDefinition><formalParameter name=\"x\"/>" +
            $"{Text("x * x")}</functionDefinition></contextEntry><contextEntry>{Text("square(7)")}</contextEntry></context>";

        Output(Decision("d", context), "d").ShouldBe("49");
    }

    [Test]
    public void A_decision_service_is_invoked_with_its_input_data_and_input_decisions_and_input_decisions_are_not_evaluated()
    {
        var model = "<inputData id=\"i\" name=\"name\"><variable name=\"name\" typeRef=\"string\"/></inputData>" +
            Decision("greeting", Text("\"Hello\""), "string") +
            Decision("message", Text("greeting + \", \" + name"), "string", Requires("greeting")) +
            "<decisionService id=\"s\" name=\"Greet\"><outputDecision href=\"#message\"/><inputDecision href=\"#greeting\"/><inputData href=\"#i\"/></decisionService>" +
            Decision("caller", Text("Greet(\"Ann\", \"Hi\")"));
        var drg = Read(model);

        var result = DecisionEvaluator.InvokeService(drg, drg.Parts.Services.Single(), new Dictionary<string, FeelValue> { ["name"] = new FeelString("Bob") }, DateTimeOffset.UtcNow);
        result.Outputs["message"].ShouldBe(FeelValue.Null, "the input decision is not given, so it is null (greeting + ... is null)");
        Output(model, "caller").ShouldBe("\"Hi, Ann\"");
        Output(model + Decision("short", Text("Greet(\"Ann\")")), "short").ShouldBe("null");
    }

    [Test]
    public void A_value_that_does_not_conform_to_the_decision_typeRef_is_null_and_the_failure_names_the_decision()
    {
        var result = Evaluate(Decision("d", Text("\"not a number\""), "number"), "d");

        result.Output.ShouldBe(FeelValue.Null);
        result.FailedDecisionId.ShouldBe("d");
        result.Failure.ShouldNotBeNull().ShouldContain("does not conform to its type 'number'");
    }

    [Test]
    public void Item_definitions_enforce_allowed_values_collections_and_structure()
    {
        var types = "<itemDefinition name=\"Grade\"><typeRef>string</typeRef><allowedValues><text>\"A\",\"B\"</text></allowedValues></itemDefinition>" +
            "<itemDefinition name=\"Grades\" isCollection=\"true\"><typeRef>Grade</typeRef></itemDefinition>" +
            "<itemDefinition name=\"Person\"><itemComponent name=\"name\"><typeRef>string</typeRef></itemComponent></itemDefinition>";

        Output(types + Decision("ok", Text("[\"A\", \"B\"]"), "Grades"), "ok").ShouldBe("""["A","B"]""");
        Output(types + Decision("single", Text("\"A\""), "Grades"), "single").ShouldBe("""["A"]""");
        Evaluate(types + Decision("bad", Text("[\"A\", \"C\"]"), "Grades"), "bad").Output.ShouldBe(FeelValue.Null);
        Evaluate(types + Decision("person", Text("{age: 3}"), "Person"), "person").Output.ShouldBe(FeelValue.Null);
        Output(types + Decision("person", Text("{name: \"Ann\", age: 3}"), "Person"), "person").ShouldBe("""{"name":"Ann","age":3}""");
    }

    [Test]
    public void Input_data_take_their_declared_type()
    {
        var model = "<inputData id=\"i\" name=\"age\"><variable name=\"age\" typeRef=\"number\"/></inputData>" + Decision("d", Text("age"));

        Output(model, "d", """{"age":"old"}""").ShouldBe("null");
        Output(model, "d", """{"age":4}""").ShouldBe("4");
    }

    [Test]
    public void Boxed_problems_are_reported_with_the_decision_id_line_and_column()
    {
        var result = DmnReader.Read(File("<decision id=\"d\" name=\"d\">\n<for>\n<in>" + Text("[1]") + "</in><return>" + Text("1 +") + "</return></for></decision>"));

        result.Requirements.ShouldBeNull();
        result.Errors.ShouldContain(e => e.ElementId == "d" && e.Line == 4 && e.Column > 0 && e.Message.Contains("iteratorVariable", StringComparison.Ordinal));
        result.Errors.ShouldContain(e => e.ElementId == "d" && e.Message.Contains("'1 +' is not a valid FEEL expression", StringComparison.Ordinal));
    }

    [Test]
    public void A_decision_without_logic_deploys_with_a_warning_and_is_null()
    {
        var result = DmnReader.Read(File("<decision id=\"sketch\" name=\"sketch\"/>"));

        result.Errors.ShouldBeEmpty();
        result.Problems.ShouldContain(p => p.ElementId == "sketch" && p.Message.Contains("no decision logic", StringComparison.Ordinal));
        DecisionEvaluator.Evaluate(result.Requirements!, result.Requirements!.Find("sketch")!, new FeelContext(), DateTimeOffset.UtcNow).Output.ShouldBe(FeelValue.Null);
    }

    [Test]
    public void A_recursive_business_knowledge_model_is_stopped_by_the_limits_and_the_failure_names_the_decision()
    {
        var bkm = "<businessKnowledgeModel id=\"b\" name=\"Loop\"><encapsulatedLogic><formalParameter name=\"n\"/>" +
            $"{Text("Loop(n + 1)")}</encapsulatedLogic></businessKnowledgeModel>";

        var result = Evaluate(bkm + Decision("d", $"<context><contextEntry>{Text("Loop(1)")}</contextEntry></context>"), "d");

        result.Ok.ShouldBeFalse();
        result.FailedDecisionId.ShouldBe("d");
        result.Failure.ShouldNotBeNull().ShouldContain("could not be evaluated");
    }
}
