using Processes.Engine.Feel;
using static Processes.Tests.Feel.FeelTestHelpers;

namespace Processes.Tests.Feel;

[TestFixture]
public sealed class FeelParserTests
{
    [Test]
    public void Parse_error_names_line_column_and_expectation()
    {
        var result = Engine.Feel.Feel.ParseExpression("(1 + 2 then 3");
        result.Success.ShouldBeFalse();
        result.Error!.ToString().ShouldBe("line 1, column 8: expected ')' but found 'then'");
    }

    [Test]
    public void Parse_error_on_a_later_line_reports_that_line()
    {
        var error = Engine.Feel.Feel.ParseExpression("if x > 1\nthen \"a\"\n  else else").Error!;
        error.Line.ShouldBe(3);
        error.Column.ShouldBe(8);
    }

    [Test]
    public void Positions_after_a_multi_line_string_are_on_its_last_line()
    {
        var error = Engine.Feel.Feel.ParseExpression("\"x\ny\" )").Error!;
        error.ToString().ShouldBe("line 2, column 4: expected end of input but found ')'");
    }

    [TestCase("")]
    [TestCase("   ")]
    [TestCase("1 +")]
    [TestCase("\"unterminated")]
    [TestCase("{a: 1")]
    [TestCase("[1, 2")]
    [TestCase("a ! b")]
    [TestCase("\"\\U00D800\" + 1 +")]
    public void Malformed_input_gives_an_error_not_an_exception(string text)
    {
        var result = Engine.Feel.Feel.ParseExpression(text);
        result.Expression.ShouldBeNull();
        result.Error.ShouldNotBeNull();
    }

    [Test]
    public void An_at_literal_that_is_no_temporal_is_null_with_a_warning_not_a_syntax_error()
    {
        // DMN 1.5 §10.3.2.7: @"..." means what date(), time(), date and time() or duration() give for the string.
        var result = Engine.Feel.Feel.ParseExpression("@\"not a date\"");
        var evaluation = result.Expression.ShouldNotBeNull().Evaluate(Engine.Feel.Evaluation.FeelContext.Empty);
        evaluation.Value.ShouldBe(Engine.Feel.Values.FeelValue.Null);
        evaluation.Warnings.ShouldContain(w => w.Contains("not a valid date", StringComparison.Ordinal));
    }

    [TestCase("(", "1", ")")]
    [TestCase("[", "1", "]")]
    [TestCase("{a: ", "1", "}")]
    [TestCase("- ", "1", "")]
    [TestCase("< ", "1", "")]
    [TestCase("f(", "1", ")")]
    [TestCase("if true then ", "1", " else 2")]
    [TestCase("list<", "number", ">")]
    public void Deep_nesting_is_rejected_with_an_error(string open, string inner, string close)
    {
        var text = string.Concat(Enumerable.Repeat(open, 20_000)) + inner + string.Concat(Enumerable.Repeat(close, 20_000));
        text = open == "list<" ? "1 instance of " + text : text;
        var result = Engine.Feel.Feel.ParseExpression(text);
        result.Error!.Message.ShouldContain("nested too deeply");
    }

    [Test]
    public void Built_in_names_with_spaces_and_keywords_parse_as_one_name()
    {
        Show("date and time(\"2024-01-02T03:04:05\")").ShouldBe("2024-01-02T03:04:05");
        Show("years and months duration(date(\"2020-01-01\"), date(\"2021-03-01\"))").ShouldBe("P1Y2M");
        Show("string length(\"abc\")").ShouldBe("3");
    }

    [Test]
    public void Variables_with_spaces_resolve()
    {
        Show("Monthly Salary * 12", """{"Monthly Salary": 1000}""").ShouldBe("12000");
        Show("{first name: \"Ada\", greeting: \"Hi \" + first name}.greeting").ShouldBe("\"Hi Ada\"");
    }

    [Test]
    public void Declared_names_containing_keywords_resolve()
    {
        var parsed = Engine.Feel.Feel.ParseExpression("Date of Birth.year", ["Date of Birth"]);
        var context = new Engine.Feel.Evaluation.FeelContext().Set("Date of Birth", new Engine.Feel.Values.FeelDate(new DateOnly(1990, 5, 1)));
        parsed.Expression!.Evaluate(context).Value.ToString().ShouldBe("1990");
    }

    [Test]
    public void Backtick_names_allow_any_characters()
    {
        Show("`order-id` + 1", """{"order-id": 41}""").ShouldBe("42");
    }

    [Test]
    public void Comments_are_ignored()
    {
        Show("1 + /* two */ 2 // three").ShouldBe("3");
    }

    [Test]
    public void Camunda_attribute_with_equals_is_an_expression_otherwise_a_literal()
    {
        var literal = Engine.Feel.Feel.ParseAttribute("approve-order");
        literal.IsExpression.ShouldBeFalse();
        literal.Literal.ShouldBe("approve-order");

        var expression = Engine.Feel.Feel.ParseAttribute("=amount > 100");
        expression.IsExpression.ShouldBeTrue();
        expression.Expression!.Text.ShouldBe("amount > 100");

        Engine.Feel.Feel.ParseAttribute("=1 +").Error.ShouldNotBeNull();
    }

    [Test]
    public void Cache_returns_the_same_parsed_expression()
    {
        var cache = new FeelExpressionCache();
        var first = cache.GetExpression("a + 1");
        cache.GetExpression("a + 1").ShouldBeSameAs(first);
        cache.Count.ShouldBe(1);
    }
}
