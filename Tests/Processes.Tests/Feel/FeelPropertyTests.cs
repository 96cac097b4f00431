using FsCheck;
using FsCheck.Fluent;
using Processes.Engine.Feel.Evaluation;

namespace Processes.Tests.Feel;

/// <summary>Robustness: the parser and evaluator return results for any input and never throw.</summary>
[TestFixture]
public sealed class FeelPropertyTests
{
    private static readonly string[] Tokens =
    [
        "1", "2.5", "-", "+", "*", "/", "**", "(", ")", "[", "]", "{", "}", ",", ".", "..", ":", "=", "!=", "<", "<=", ">", ">=",
        "\"s\"", "@\"2024-01-01\"", "@\"P1D\"", "x", "item", "?", "a b", "`q r`", "if", "then", "else", "for", "in", "return",
        "some", "every", "satisfies", "and", "or", "not", "between", "instance", "of", "function", "null", "true", "false",
        "date", "date and time", "sum", "count", "string", "substring", "list contains", "partial", "number",
    ];

    private static readonly Config Fast = Config.QuickThrowOnFailure.WithMaxTest(400);

    private static readonly FeelContext Variables = new FeelContext()
        .Set("x", new Engine.Feel.Values.FeelNumber(3))
        .Set("a b", new Engine.Feel.Values.FeelString("ab"));

    private static Gen<string> TokenSoup =>
        Gen.Elements(Tokens).ListOf().Select(tokens => string.Join(" ", tokens));

    [Test]
    public void Parser_never_throws_on_arbitrary_strings()
    {
        Prop.ForAll(ArbMap.Default.ArbFor<string>(), text =>
        {
            var result = Engine.Feel.Feel.ParseExpression(text ?? "");
            return (result.Expression is null) != (result.Error is null);
        }).Check(Fast);
    }

    [Test]
    public void Parser_never_throws_on_token_soup_and_unary_tests()
    {
        Prop.ForAll(TokenSoup.ToArbitrary(), text =>
        {
            var expression = Engine.Feel.Feel.ParseExpression(text);
            var tests = Engine.Feel.Feel.ParseUnaryTests(text);
            return (expression.Expression is null) != (expression.Error is null) && (tests.Expression is null) != (tests.Error is null);
        }).Check(Fast);
    }

    [Test]
    public void Evaluator_never_throws_on_parsed_token_soup()
    {
        var limits = new FeelLimits(MaxSteps: 20_000, MaxCollectionSize: 1_000);
        Prop.ForAll(TokenSoup.ToArbitrary(), text =>
        {
            var parsed = Engine.Feel.Feel.ParseExpression(text);
            if (parsed.Expression is null)
            {
                return true;
            }
            var result = parsed.Expression.Evaluate(Variables, limits);
            return result.Value is not null;
        }).Check(Fast);
    }

    [Test]
    public void Integer_addition_matches_decimal_addition()
    {
        Prop.ForAll(ArbMap.Default.ArbFor<int>(), ArbMap.Default.ArbFor<int>(), (a, b) =>
        {
            var parsed = Engine.Feel.Feel.ParseExpression($"({a}) + ({b})");
            return parsed.Expression!.Evaluate(FeelContext.Empty).Value.ToString() == ((decimal)a + b).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }).Check(Fast);
    }
}
