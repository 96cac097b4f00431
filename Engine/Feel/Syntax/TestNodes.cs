using Processes.Engine.Feel.Evaluation;
using Processes.Engine.Feel.Values;

namespace Processes.Engine.Feel.Syntax;

/// <summary>One positive unary test; <see cref="UsesInput"/> is set when the test mentions <c>?</c> and so is a boolean expression.</summary>
internal sealed record UnaryTest(Node Node, bool UsesInput);

internal static class UnaryTestMatcher
{
    /// <summary>Whether <paramref name="input"/> satisfies any of <paramref name="tests"/>: true, false, or null when undecidable.</summary>
    public static FeelValue MatchAny(EvalContext ctx, FeelValue input, IReadOnlyList<UnaryTest> tests)
    {
        var sawNull = false;
        foreach (var test in tests)
        {
            var r = Match(ctx, input, test);
            if (r is FeelBoolean { Value: true })
            {
                return FeelValue.True;
            }
            sawNull |= r is not FeelBoolean;
        }
        return sawNull ? FeelValue.Null : FeelValue.False;
    }

    public static FeelValue Match(EvalContext ctx, FeelValue input, UnaryTest test)
    {
        if (test.Node is UnaryComparisonNode cmp)
        {
            var operand = ctx.EvalIn(new BindingScope(ctx.Scope, "?", input), cmp.Operand);
            return ComparisonNode.Apply(ctx, cmp.Op, input, operand);
        }
        var value = ctx.EvalIn(new BindingScope(ctx.Scope, "?", input), test.Node);
        if (test.UsesInput)
        {
            return value;
        }
        return MatchValue(ctx, input, value);
    }

    public static FeelValue MatchValue(EvalContext ctx, FeelValue input, FeelValue value)
    {
        switch (value)
        {
            case FeelRange range:
                return Ranges.Contains(ctx, range, input);
            case FeelList list:
                if (input is FeelList && FeelComparer.ValueEquals(input, value) == true)
                {
                    return FeelValue.True;
                }
                var sawNull = false;
                foreach (var item in list.Items)
                {
                    var r = item is FeelRange ir ? Ranges.Contains(ctx, ir, input) : FeelValue.Of(FeelComparer.ValueEquals(input, item) ?? false);
                    if (r is FeelBoolean { Value: true })
                    {
                        return FeelValue.True;
                    }
                    sawNull |= r is not FeelBoolean;
                }
                return sawNull ? FeelValue.Null : FeelValue.False;
            case FeelBoolean b when input is not FeelBoolean:
                return b;
            default:
                return ComparisonNode.Apply(ctx, CompareOp.Equal, input, value);
        }
    }
}

internal static class Ranges
{
    public static FeelValue Contains(EvalContext ctx, FeelRange range, FeelValue x)
    {
        if (range.Start is FeelNull && !range.StartUnbounded || range.End is FeelNull && !range.EndUnbounded)
        {
            return ctx.Warn("range with a null endpoint");
        }
        if (range.Start is not FeelNull)
        {
            var c = FeelComparer.Compare(x, range.Start);
            if (c is null)
            {
                return ctx.Warn($"can't compare {EvalContext.Describe(x)} with {EvalContext.Describe(range.Start)}");
            }
            if (c < 0 || (c == 0 && !range.StartIncluded))
            {
                return FeelValue.False;
            }
        }
        if (range.End is not FeelNull)
        {
            var c = FeelComparer.Compare(x, range.End);
            if (c is null)
            {
                return ctx.Warn($"can't compare {EvalContext.Describe(x)} with {EvalContext.Describe(range.End)}");
            }
            if (c > 0 || (c == 0 && !range.EndIncluded))
            {
                return FeelValue.False;
            }
        }
        return FeelValue.True;
    }
}

/// <summary><c>x in tests</c>.</summary>
internal sealed class InNode(Node value, IReadOnlyList<UnaryTest> tests) : Node
{
    internal override FeelValue Evaluate(EvalContext ctx) => UnaryTestMatcher.MatchAny(ctx, ctx.Eval(value), tests);
}

/// <summary>The DMN input-entry dialect: '-', a list of tests, or <c>not(tests)</c>, evaluated against <c>?</c>.</summary>
internal sealed class UnaryTestsNode(IReadOnlyList<UnaryTest>? tests, bool negated) : Node
{
    internal override FeelValue Evaluate(EvalContext ctx)
    {
        if (tests is null)
        {
            return FeelValue.True;
        }
        ctx.Scope.TryLookup("?", out var input);
        var r = UnaryTestMatcher.MatchAny(ctx, input, tests);
        return negated && r is FeelBoolean b ? FeelValue.Of(!b.Value) : r;
    }
}
