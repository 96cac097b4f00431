using Processes.Engine.Feel.Evaluation;
using Processes.Engine.Feel.Values;

namespace Processes.Tests.Feel;

[TestFixture]
public sealed class FeelUnaryTestsTests
{
    private static FeelValue Test(string tests, FeelValue input, FeelContext? variables = null)
    {
        var parsed = Engine.Feel.Feel.ParseUnaryTests(tests);
        parsed.Error.ShouldBeNull($"parse of '{tests}'");
        parsed.Expression!.IsUnaryTests.ShouldBeTrue();
        return parsed.Expression.Test(input, variables ?? FeelContext.Empty).Value;
    }

    private static FeelNumber N(decimal d) => new(d);

    private static FeelString S(string s) => new(s);

    [Test]
    public void Dash_matches_anything() => Test("-", N(1)).ShouldBe(FeelValue.True);

    [Test]
    public void Comparisons_and_intervals()
    {
        Test("< 10", N(5)).ShouldBe(FeelValue.True);
        Test("< 10", N(10)).ShouldBe(FeelValue.False);
        Test("[1..5]", N(5)).ShouldBe(FeelValue.True);
        Test("[1..5)", N(5)).ShouldBe(FeelValue.False);
        Test("]1..5]", N(1)).ShouldBe(FeelValue.False);
        Test(">= date(\"2024-01-01\")", new FeelDate(new DateOnly(2024, 6, 1))).ShouldBe(FeelValue.True);
    }

    [Test]
    public void Lists_of_values_and_negation()
    {
        Test("\"a\",\"b\"", S("b")).ShouldBe(FeelValue.True);
        Test("\"a\",\"b\"", S("c")).ShouldBe(FeelValue.False);
        Test("not(\"a\",\"b\")", S("c")).ShouldBe(FeelValue.True);
        Test("not(< 5)", N(3)).ShouldBe(FeelValue.False);
    }

    [Test]
    public void Expressions_with_the_input_value()
    {
        Test("? > 5 and ? < 10", N(7)).ShouldBe(FeelValue.True);
        Test("starts with(?, \"ab\")", S("abc")).ShouldBe(FeelValue.True);
        Test("count(?) > 1", new FeelList([N(1), N(2)])).ShouldBe(FeelValue.True);
    }

    [Test]
    public void Tests_can_use_variables()
    {
        var variables = new FeelContext().Set("limit", N(100));
        Test("> limit", N(150), variables).ShouldBe(FeelValue.True);
        Test("[limit..limit * 2]", N(250), variables).ShouldBe(FeelValue.False);
    }

    [Test]
    public void Boolean_and_null_inputs()
    {
        Test("true", FeelValue.True).ShouldBe(FeelValue.True);
        Test("false", FeelValue.True).ShouldBe(FeelValue.False);
        Test("null", FeelValue.Null).ShouldBe(FeelValue.True);
        Test("< 10", FeelValue.Null).ShouldBe(FeelValue.Null);
    }
}
