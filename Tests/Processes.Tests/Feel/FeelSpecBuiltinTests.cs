using Processes.Engine.Feel.Values;
using static Processes.Tests.Feel.FeelTestHelpers;

namespace Processes.Tests.Feel;

/// <summary>
/// Behaviours specified in DMN 1.5 chapter 10, one case per sentence or example of the specification, and the
/// extensions Camunda 8 ships. Expected values come from the specification's text, not from this implementation.
/// </summary>
[TestFixture]
public sealed class FeelSpecBuiltinTests
{
    // §10.3.4.1 is(value1, value2): same element of the semantic domain; '=' may hold where is() does not.
    [TestCase("is(date(\"2012-12-25\"), time(\"23:00:50\"))", "false")]
    [TestCase("is(date(\"2012-12-25\"), date(\"2012-12-25\"))", "true")]
    [TestCase("is(time(\"23:00:50Z\"), time(\"23:00:50\"))", "false")]
    [TestCase("is(@\"2012-12-25T12:00:00@Europe/Paris\", @\"2012-12-25T12:00:00+01:00\")", "false")]
    [TestCase("@\"2012-12-25T12:00:00@Europe/Paris\" = @\"2012-12-25T12:00:00+01:00\"", "true")]
    [TestCase("is(1, \"1\")", "false")]
    [TestCase("is(1, 1.0)", "true")]
    public void Is_tells_elements_of_the_semantic_domain_apart(string expression, string expected) => Show(expression).ShouldBe(expected);

    // §10.3.4.1 range(from): a range literal string; endpoints literals of one type.
    [TestCase("range(\"[18..21)\")", "[18..21)")]
    [TestCase("range(\"(1..10]\") = (1..10]", "true")]
    [TestCase("range(\"[\\\"a\\\"..\\\"z\\\"]\")", "[\"a\"..\"z\"]")]
    [TestCase("range(\"[@\\\"2020-01-01\\\"..date(\\\"2021-01-01\\\")]\")", "[2020-01-01..2021-01-01]")]
    [TestCase("range(\"<10\")", "(null..10)")]
    [TestCase("range(\">=5\") = (>= 5)", "true")]
    [TestCase("range(\"[-5..5]\")", "[-5..5]")]
    public void Range_builds_a_range_from_its_literal(string expression, string expected) => Show(expression).ShouldBe(expected);

    [TestCase("range(\"[1..\\\"a\\\"]\")")]
    [TestCase("range(\"[x..2]\")")]
    [TestCase("range(\"1\")")]
    [TestCase("range(\"[1..\")")]
    [TestCase("range(1)")]
    [TestCase("range(\"[1..2+3]\")")]
    public void Range_of_anything_but_a_range_literal_is_null(string expression) => Eval(expression).ShouldBe(FeelValue.Null);

    // §10.3.4.3 matches/replace: flags as XPath's fn:matches (s, m, i, x, q).
    [TestCase("matches(\"abc\", \"B\", \"i\")", "true")]
    [TestCase("matches(\"a\\nb\", \"a.b\")", "false")]
    [TestCase("matches(\"a\\nb\", \"a.b\", \"s\")", "true")]
    [TestCase("matches(\"a\\nb\", \"^b$\")", "false")]
    [TestCase("matches(\"a\\nb\", \"^b$\", \"m\")", "true")]
    [TestCase("matches(\"abc\", \"a b c\", \"x\")", "true")]
    [TestCase("matches(\"a#b\", \"a#b\", \"x\")", "true")]
    [TestCase("matches(\"a b\", \"a[ ]b\", \"x\")", "true")]
    [TestCase("matches(\"abc\", \"a.c\", \"q\")", "false")]
    [TestCase("matches(\"a.c\", \"A.C\", \"qi\")", "true")]
    [TestCase("replace(\"abcd\", \"(ab)|(a)\", \"[1=$1][2=$2]\")", "\"[1=ab][2=]cd\"")]
    [TestCase("replace(\"a.b.c\", \".\", \"-\", \"q\")", "\"a-b-c\"")]
    [TestCase("replace(\"Abc\", \"a\", \"x\", \"i\")", "\"xbc\"")]
    public void Regular_expression_flags_are_xpath_flags(string expression, string expected) => Show(expression).ShouldBe(expected);

    [TestCase("matches(\"a\", \"a\", \"k\")")]
    [TestCase("matches(\"a\", \"(\")")]
    public void An_unknown_flag_and_an_invalid_pattern_are_null(string expression) =>
        Eval(expression).ShouldBe(FeelValue.Null);

    // §10.3.2.9.4 instance of with function and range types.
    [TestCase("(function(a: number) a) instance of function<number> -> number", "true")]
    [TestCase("(function(a: number) a) instance of function<string> -> number", "false")]
    [TestCase("(function(a: Any) a) instance of function<number> -> Any", "true")]
    [TestCase("(function(a, b) a) instance of function<number> -> Any", "false")]
    [TestCase("[1..2] instance of range<number>", "true")]
    [TestCase("[1..2] instance of range<string>", "false")]
    [TestCase("[\"a\"..\"b\"] instance of range<Any>", "true")]
    [TestCase("{a: 1} instance of context<a: number>", "true")]
    [TestCase("{a: 1} instance of context<b: number>", "false")]
    [TestCase("@\"P1Y\" instance of years and months duration", "true")]
    public void Instance_of_checks_function_range_and_context_types(string expression, string expected) => Show(expression).ShouldBe(expected);

    // §10.3.2.7 at-literals; §10.3.4.2 conversion functions on edge dates and times.
    [TestCase("@\"not a date\"")]
    [TestCase("date(\"2019-02-29\")")]
    [TestCase("date and time(\"2012-12-24T23:59:60\")")]
    [TestCase("time(\"25:00:00\")")]
    [TestCase("date(\"2012-12-24T10:00:00\")")]
    public void Invalid_temporal_text_is_null(string expression) => Eval(expression).ShouldBe(FeelValue.Null);

    [TestCase("date(\"2020-02-29\") + duration(\"P1Y\")", "2021-02-28")]
    [TestCase("date(\"2096-09-29\") + duration(\"P89M\")", "2104-02-29")]
    [TestCase("date and time(\"2096-09-29T10:00:00Z\") + duration(\"P7Y5M\")", "2104-02-29T10:00:00Z")]
    [TestCase("date(\"2104-02-29\") - duration(\"P7Y5M\")", "2096-09-29")]
    [TestCase("date and time(\"2012-12-24T24:00:00\")", "2012-12-25T00:00:00")]
    [TestCase("years and months duration(date(\"2011-12-22\"), date(\"2013-08-24\"))", "P1Y8M")]
    [TestCase("date and time(date(\"2017-01-01\"), time(\"23:59:01+01:00\"))", "2017-01-01T23:59:01+01:00")]
    [TestCase("time(date and time(\"2017-08-10T10:20:00@Europe/Paris\"))", "10:20:00@Europe/Paris")]
    [TestCase("date(\"-2017-02-28\")", "-2017-02-28")]
    [TestCase("date and time(\"2018-10-28T02:30:00@Europe/Paris\") + duration(\"PT1H\")", "2018-10-28T03:30:00@Europe/Paris")]
    [TestCase("date(\"2012-12-25\") - date(\"2012-12-24\")", "P1D")]
    public void Temporal_edge_cases_follow_the_specification(string expression, string expected) => Show(expression).ShouldBe(expected);

    // Camunda 8's extensions (docs.camunda.io, FEEL built-in functions).
    [TestCase("get or else(null, \"default\")", "\"default\"")]
    [TestCase("get or else(\"value\", \"default\")", "\"value\"")]
    [TestCase("is blank(\"\")", "true")]
    [TestCase("is blank(\"  \")", "true")]
    [TestCase("is blank(\"a\")", "false")]
    [TestCase("to base64(\"FEEL\")", "\"RkVFTA==\"")]
    [TestCase("trim(\"  a  \")", "\"a\"")]
    [TestCase("is empty([])", "true")]
    [TestCase("partition([1, 2, 3, 4, 5], 2)", "[[1, 2], [3, 4], [5]]")]
    [TestCase("assert(1, 1 > 0)", "1")]
    [TestCase("duplicate values([1, 2, 2, 3, 3])", "[2, 3]")]
    public void Camunda_extensions_behave_as_documented(string expression, string expected) => Show(expression).ShouldBe(expected);

    [TestCase("put({a: 1}, \"b\", 2)", "{a: 1, b: 2}")]
    [TestCase("put all({a: 1}, {b: 2})", "{a: 1, b: 2}")]
    public void Camunda_7_context_names_still_work(string expression, string expected) => Show(expression).ShouldBe(expected);

    // §10.3.4.3 and §10.3.4.4 examples.
    [TestCase("substring after(\"foobar\", \"ob\")", "\"ar\"")]
    [TestCase("substring after(\"\", \"a\")", "\"\"")]
    [TestCase("ends with(\"foobar\", \"r\")", "true")]
    [TestCase("ends with(\"foobar\", \"o\")", "false")]
    [TestCase("list contains([1, 2, 3], 2)", "true")]
    [TestCase("list contains([1, null], null)", "true")]
    [TestCase("list contains([1, 2], 3)", "false")]
    [TestCase("exp(0)", "1")]
    [TestCase("decimal(exp(5), 6)", "148.413159")]
    public void String_list_and_numeric_examples_of_the_specification(string expression, string expected) => Show(expression).ShouldBe(expected);

    // §10.3.4.7 Table 78: the range relations' examples.
    [TestCase("met by([5..10], [1..5])", "true")]
    [TestCase("met by([5..10], [1..5))", "false")]
    [TestCase("met by([5..10], [1..4])", "false")]
    [TestCase("overlaps before([1..5], [3..8])", "true")]
    [TestCase("overlaps before([1..5], [6..8])", "false")]
    [TestCase("overlaps before([1..5], [5..8])", "true")]
    [TestCase("overlaps before([1..5], (5..8])", "false")]
    [TestCase("overlaps after([3..8], [1..5])", "true")]
    [TestCase("overlaps after([6..8], [1..5])", "false")]
    [TestCase("overlaps after([5..8], [1..5])", "true")]
    [TestCase("overlaps after((5..8], [1..5])", "false")]
    [TestCase("finishes(10, [1..10])", "true")]
    [TestCase("finishes(10, [1..10))", "false")]
    [TestCase("finishes([5..10], [1..10])", "true")]
    [TestCase("finishes([5..10), [1..10])", "false")]
    [TestCase("finished by([1..10], 10)", "true")]
    [TestCase("finished by([1..10), 10)", "false")]
    [TestCase("finished by([1..10], [5..10])", "true")]
    [TestCase("starts(1, [1..5])", "true")]
    [TestCase("starts(1, (1..8])", "false")]
    [TestCase("starts([1..5], [1..5])", "true")]
    [TestCase("starts((1..5], [1..5])", "false")]
    [TestCase("started by([1..10], 1)", "true")]
    [TestCase("started by((1..10], 1)", "false")]
    [TestCase("started by([1..10], [1..5])", "true")]
    public void Range_relations_give_the_specification_examples(string expression, string expected) => Show(expression).ShouldBe(expected);

    [Test]
    public void Uuid_gives_a_fresh_version_4_uuid_each_call()
    {
        var a = Eval("uuid()").ShouldBeOfType<FeelString>().Value;
        Guid.Parse(a).Version.ShouldBe(4);
        Eval("uuid()").ShouldBeOfType<FeelString>().Value.ShouldNotBe(a);
    }

    [Test]
    public void A_failed_assert_aborts_the_evaluation_with_its_cause()
    {
        var result = Run("assert(1, 1 < 0, \"one is not negative\")");
        result.Failure.ShouldBe("one is not negative");
    }
}
