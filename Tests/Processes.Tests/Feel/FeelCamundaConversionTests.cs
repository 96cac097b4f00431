using Processes.Engine.Feel.Values;
using static Processes.Tests.Feel.FeelTestHelpers;

namespace Processes.Tests.Feel;

/// <summary>
/// Conversions Camunda 8 ships beyond DMN 1.5: <c>date and time(from, timezone)</c> and, from Camunda 8.9 after
/// DMN 1.6's drafts, <c>to json(value)</c> / <c>from json(string)</c>. Expected values follow Camunda's
/// documented examples (contexts are objects, lists arrays, temporal values their ISO 8601 text).
/// </summary>
[TestFixture]
public sealed class FeelCamundaConversionTests
{
    [TestCase("date and time(@\"2020-01-01T10:00:00Z\", \"Europe/Berlin\")", "2020-01-01T11:00:00@Europe/Berlin")]
    [TestCase("date and time(@\"2020-07-01T10:00:00+02:00\", \"Z\")", "2020-07-01T08:00:00Z")]
    [TestCase("date and time(@\"2020-07-01T10:00:00@Europe/Berlin\", \"America/New_York\")", "2020-07-01T04:00:00@America/New_York")]
    [TestCase("date and time(@\"2020-07-01T10:00:00\", \"Europe/Berlin\")", "2020-07-01T10:00:00@Europe/Berlin")]
    [TestCase("date and time(@\"2020-07-01T10:00:00Z\", \"-05:30\")", "2020-07-01T04:30:00-05:30")]
    [TestCase("date and time(@\"2020-07-01T10:00:00Z\", \"Mars/Olympus\")", "null")]
    [TestCase("date and time(@\"2020-07-01T10:00:00Z\", 5)", "null")]
    [TestCase("date and time(@\"2020-07-01T10:00:00Z\", \"Europe/Berlin\") = @\"2020-07-01T10:00:00Z\"", "true")]
    public void Date_and_time_with_a_timezone_is_the_same_instant_in_that_zone(string expression, string expected) =>
        Show(expression).ShouldBe(expected);

    [TestCase("to json({a: 1, b: 2})", """{"a":1,"b":2}""")]
    [TestCase("to json(1)", "1")]
    [TestCase("to json(1.50)", "1.5")]
    [TestCase("to json(\"a\")", "\"a\"")]
    [TestCase("to json(\"Grüße\")", "\"Grüße\"")]
    [TestCase("to json(true)", "true")]
    [TestCase("to json(null)", "null")]
    [TestCase("to json([1, 2, 3])", "[1,2,3]")]
    [TestCase("to json(@\"2023-06-14\")", "\"2023-06-14\"")]
    [TestCase("to json(@\"2023-06-14T14:55:00\")", "\"2023-06-14T14:55:00\"")]
    [TestCase("to json(@\"P1Y\")", "\"P1Y\"")]
    [TestCase("to json(@\"PT2H\")", "\"PT2H\"")]
    [TestCase("to json({a: [{b: null}]})", """{"a":[{"b":null}]}""")]
    public void To_json_writes_the_json_text_of_a_value(string expression, string expected) =>
        Eval(expression).ShouldBeOfType<FeelString>().Value.ShouldBe(expected);

    [Test]
    public void To_json_of_a_function_is_null_with_a_reason()
    {
        var run = Run("to json(function(x) x)");

        run.Value.ShouldBe(FeelValue.Null);
        run.Warnings.ShouldContain(w => w.Contains("function", StringComparison.Ordinal));
    }

    [TestCase("from json(\"{\\\"a\\\": 1, \\\"b\\\": 2}\")", "{a: 1, b: 2}")]
    [TestCase("from json(\"1\")", "1")]
    [TestCase("from json(\"1.25e2\")", "125")]
    [TestCase("from json(\"\\\"a\\\"\")", "\"a\"")]
    [TestCase("from json(\"true\")", "true")]
    [TestCase("from json(\"null\")", "null")]
    [TestCase("from json(\"[1, 2, 3]\")", "[1, 2, 3]")]
    [TestCase("from json(\"\\\"2023-06-14\\\"\")", "\"2023-06-14\"")]
    [TestCase("from json(\"{\\\"a\\\": \") ", "null")]
    [TestCase("from json(5)", "null")]
    [TestCase("from json(to json({a: [1, {b: \"x\"}]})) = {a: [1, {b: \"x\"}]}", "true")]
    public void From_json_reads_json_text_into_a_value(string expression, string expected) =>
        Show(expression).ShouldBe(expected);

    [Test]
    public void From_json_of_text_that_is_not_json_is_null_with_a_reason()
    {
        var run = Run("from json(\"{oops\")");

        run.Value.ShouldBe(FeelValue.Null);
        run.Warnings.ShouldContain(w => w.Contains("not valid JSON", StringComparison.Ordinal));
    }

    [Test]
    public void From_json_obeys_the_string_and_size_limits_of_the_evaluation()
    {
        // Deeply nested JSON is refused by the parser's depth limit rather than exhausting the stack.
        var nested = new string('[', 200) + new string(']', 200);
        Run($"from json(\"{nested}\")").Value.ShouldBe(FeelValue.Null);
    }
}
