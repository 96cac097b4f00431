using Processes.Engine.Feel.Builtins;
using Processes.Engine.Feel.Evaluation;

namespace Processes.Tests.Feel;

/// <summary>Built-ins and operators, applied to awkward values, return a value and never throw.</summary>
[TestFixture]
public sealed class FeelBuiltinFuzzTests
{
    private static readonly string[] Arguments =
    [
        "null", "0", "-1", "2.5", "79228162514264337593543950335", "-79228162514264337593543950335", "0.0000000000000000000000000001",
        "\"abc\"", "\"\"", "\"a,b\"", "\"(\"", "[1, 2, 3]", "[]", "[\"a\", \"b\"]", "[null]", "[[1], [2, [3]]]", "{a: 1}", "{}",
        "date(\"2024-02-29\")", "date(\"-999999999-01-01\")", "date and time(\"2024-03-31T02:30:00@Europe/Paris\")",
        "date and time(\"9999-12-31T23:59:59\")", "time(\"23:59:59.999+14:00\")", "duration(\"P1DT2H\")",
        "duration(\"P10000000D\")", "duration(\"-P999999999Y\")", "[1..5]", "(< 3)", "function(x, y) x < y", "function(x) x",
        "function() 1", "true", "false",
    ];

    [Test]
    public void Built_ins_never_throw_on_awkward_arguments()
    {
        var random = new Random(7);
        var limits = new FeelLimits(MaxSteps: 50_000, MaxCollectionSize: 10_000);
        var failures = new List<string>();
        foreach (var name in BuiltinRegistry.Names.Order(StringComparer.Ordinal))
        {
            for (var arity = 0; arity <= 4; arity++)
            {
                for (var sample = 0; sample < 40; sample++)
                {
                    var args = Enumerable.Range(0, arity).Select(_ => Arguments[random.Next(Arguments.Length)]);
                    var text = $"{name}({string.Join(", ", args)})";
                    try
                    {
                        var parsed = Engine.Feel.Feel.ParseExpression(text);
                        parsed.Expression?.Evaluate(FeelContext.Empty, limits).Value.ToString();
                    }
                    catch (Exception e) when (e is not OutOfMemoryException)
                    {
                        failures.Add($"{text}: {e.GetType().Name}: {e.Message}");
                    }
                }
            }
        }
        failures.ShouldBeEmpty(string.Join(Environment.NewLine, failures.Distinct().Take(30)));
    }

    [Test]
    public void Operators_never_throw_on_any_pair_of_awkward_values()
    {
        string[] forms =
        [
            "({0}) + ({1})", "({0}) - ({1})", "({0}) * ({1})", "({0}) / ({1})", "({0}) ** ({1})", "({0}) = ({1})",
            "({0}) < ({1})", "({0}) >= ({1})", "({0}) and ({1})", "({0}) or ({1})", "({0}) in ({1})",
            "({0}) between ({1}) and ({0})", "({0})[({1})]", "-({0})", "({0}).year", "({0}).days", "({0}).start",
            "({0})[item > ({1})]", "for x in ({0}) return x", "some x in ({0}) satisfies x = ({1})", "({0}) instance of list<number>",
        ];
        var limits = new FeelLimits(MaxSteps: 50_000, MaxCollectionSize: 10_000);
        var failures = new List<string>();
        foreach (var form in forms)
        {
            foreach (var a in Arguments)
            {
                foreach (var b in Arguments)
                {
                    var text = string.Format(System.Globalization.CultureInfo.InvariantCulture, form, a, b);
                    try
                    {
                        Engine.Feel.Feel.ParseExpression(text).Expression?.Evaluate(FeelContext.Empty, limits).Value.ToString();
                    }
                    catch (Exception e) when (e is not OutOfMemoryException)
                    {
                        failures.Add($"{text}: {e.GetType().Name}: {e.Message}");
                    }
                }
            }
        }
        failures.ShouldBeEmpty(string.Join(Environment.NewLine, failures.Distinct().Take(30)));
    }

    [Test]
    public void Unary_tests_never_throw_on_awkward_inputs()
    {
        string[] forms = ["< ({1})", "[({0})..({1})]", "({0}), ({1})", "not(({0}))", "? > ({0})", "({1})", "-"];
        var inputs = Arguments.Select(a => Engine.Feel.Feel.ParseExpression(a).Expression!.Evaluate(FeelContext.Empty).Value).ToList();
        var failures = new List<string>();
        foreach (var form in forms)
        {
            foreach (var a in Arguments)
            {
                foreach (var b in Arguments.Take(12))
                {
                    var text = string.Format(System.Globalization.CultureInfo.InvariantCulture, form, a, b);
                    var tests = Engine.Feel.Feel.ParseUnaryTests(text).Expression;
                    foreach (var input in inputs)
                    {
                        try
                        {
                            tests?.Test(input, FeelContext.Empty).Value.ToString();
                        }
                        catch (Exception e) when (e is not OutOfMemoryException)
                        {
                            failures.Add($"{text} with {input}: {e.GetType().Name}: {e.Message}");
                        }
                    }
                }
            }
        }
        failures.ShouldBeEmpty(string.Join(Environment.NewLine, failures.Distinct().Take(30)));
    }
}
