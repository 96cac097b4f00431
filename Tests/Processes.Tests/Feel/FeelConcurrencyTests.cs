using Processes.Engine.Feel.Evaluation;
using Processes.Engine.Feel.Values;

namespace Processes.Tests.Feel;

[TestFixture]
public sealed class FeelConcurrencyTests
{
    [Test]
    public void One_parsed_expression_evaluates_concurrently_with_independent_results()
    {
        var expression = Engine.Feel.Feel.ParseExpression(
            "{sq: function(x) x * x, r: sum(for i in 1..n return sq(i)), ok: r > 0}.r").Expression!;
        var results = new decimal[200];
        Parallel.For(0, results.Length, i =>
        {
            var variables = new FeelContext().Set("n", new FeelNumber(i % 20 + 1));
            results[i] = ((FeelNumber)expression.Evaluate(variables).Value).Value;
        });
        for (var i = 0; i < results.Length; i++)
        {
            var n = i % 20 + 1;
            results[i].ShouldBe(n * (n + 1) * (2 * n + 1) / 6m);
        }
    }
}
