using Processes.Engine.Feel.Evaluation;
using Processes.Engine.Feel.Values;

namespace Processes.Engine.Feel.Syntax;

/// <summary>One <c>name in domain</c> clause; <see cref="End"/> is set for the <c>a..b</c> form.</summary>
internal sealed record IterationClause(string Name, Node Domain, Node? End);

internal static class Iteration
{
    /// <summary>The values a clause ranges over, or null (with a reason recorded) when the domain is not iterable.</summary>
    public static IReadOnlyList<FeelValue>? Domain(EvalContext ctx, IterationClause clause)
    {
        var start = ctx.Eval(clause.Domain);
        if (clause.End is not null)
        {
            return Numbers(ctx, start, ctx.Eval(clause.End), true, true);
        }
        return start switch
        {
            FeelList list => list.Items,
            FeelRange r when FeelComparer.Compare(r.Start, r.End) is not > 0 => Numbers(ctx, r.Start, r.End, r.StartIncluded, r.EndIncluded),
            FeelRange => Invalid(ctx, start),
            FeelNull => null,
            _ => [start],
        };
    }

    private static IReadOnlyList<FeelValue>? Invalid(EvalContext ctx, FeelValue domain)
    {
        ctx.Warn($"can't iterate over {EvalContext.Describe(domain)}");
        return null;
    }

    private static IReadOnlyList<FeelValue>? Numbers(EvalContext ctx, FeelValue from, FeelValue to, bool fromIncluded, bool toIncluded)
    {
        if (from is FeelDate fd && to is FeelDate td)
        {
            // Date ranges iterate day by day.
            var days = Numbers(ctx, new FeelNumber(fd.Value.DayNumber), new FeelNumber(td.Value.DayNumber), fromIncluded, toIncluded);
            return days?.Select(d => (FeelValue)new FeelDate(DateOnly.FromDayNumber((int)((FeelNumber)d).Value))).ToList();
        }
        if (from is not FeelNumber a || to is not FeelNumber b || a.Value != decimal.Truncate(a.Value) || b.Value != decimal.Truncate(b.Value))
        {
            ctx.Warn($"can't iterate from {EvalContext.Describe(from)} to {EvalContext.Describe(to)}");
            return null;
        }
        var step = a.Value <= b.Value ? 1 : -1;
        var first = fromIncluded ? a.Value : a.Value + step;
        var last = toIncluded ? b.Value : b.Value - step;
        var count = (last - first) * step + 1;
        if (count <= 0)
        {
            return [];
        }
        if (count > ctx.Limits.MaxCollectionSize)
        {
            ctx.Abort($"iteration over {FeelNumber.Format(count)} elements exceeds the limit of {ctx.Limits.MaxCollectionSize}");
            return null;
        }
        var items = new FeelValue[(int)count];
        for (var i = 0; i < items.Length; i++)
        {
            items[i] = new FeelNumber(first + i * step);
        }
        return items;
    }
}

/// <param name="usesPartial">Whether the body mentions <c>partial</c>; only then is the list of results so far materialised.</param>
internal sealed class ForNode(IReadOnlyList<IterationClause> clauses, Node body, bool usesPartial) : Node
{
    internal override FeelValue Evaluate(EvalContext ctx)
    {
        var results = new List<FeelValue>();
        return Loop(ctx, 0, ctx.Scope, results) ? ctx.Built(new FeelList(results)) : FeelValue.Null;
    }

    private bool Loop(EvalContext ctx, int depth, FeelScope scope, List<FeelValue> results)
    {
        var clause = clauses[depth];
        var saved = ctx.Scope;
        ctx.Scope = scope;
        var domain = Iteration.Domain(ctx, clause);
        ctx.Scope = saved;
        if (domain is null)
        {
            return false;
        }
        foreach (var value in domain)
        {
            if (!ctx.Tick() || !ctx.CheckSize(results.Count))
            {
                return false;
            }
            var inner = new BindingScope(scope, clause.Name, value);
            if (depth + 1 < clauses.Count)
            {
                if (!Loop(ctx, depth + 1, inner, results))
                {
                    return false;
                }
                continue;
            }
            // 'partial' is the list of results so far, for recurrences such as Fibonacci.
            FeelScope bodyScope = usesPartial ? new BindingScope(inner, "partial", new FeelList(results.ToArray())) : inner;
            results.Add(ctx.EvalIn(bodyScope, body));
        }
        return true;
    }
}

internal sealed class QuantifiedNode(bool every, IReadOnlyList<IterationClause> clauses, Node condition) : Node
{
    internal override FeelValue Evaluate(EvalContext ctx)
    {
        var sawNull = false;
        var decided = Loop(ctx, 0, ctx.Scope, ref sawNull);
        if (ctx.Aborted)
        {
            return FeelValue.Null;
        }
        if (decided)
        {
            return FeelValue.Of(!every);
        }
        return sawNull ? FeelValue.Null : FeelValue.Of(every);
    }

    /// <summary>True once the outcome is decided: a true for 'some', a false for 'every'.</summary>
    private bool Loop(EvalContext ctx, int depth, FeelScope scope, ref bool sawNull)
    {
        var saved = ctx.Scope;
        ctx.Scope = scope;
        var domain = Iteration.Domain(ctx, clauses[depth]);
        ctx.Scope = saved;
        if (domain is null)
        {
            sawNull = true;
            return false;
        }
        foreach (var value in domain)
        {
            if (!ctx.Tick())
            {
                return false;
            }
            var inner = new BindingScope(scope, clauses[depth].Name, value);
            if (depth + 1 < clauses.Count)
            {
                if (Loop(ctx, depth + 1, inner, ref sawNull))
                {
                    return true;
                }
                continue;
            }
            var outcome = ctx.EvalIn(inner, condition);
            if (outcome is FeelBoolean b)
            {
                if (b.Value != every)
                {
                    return true;
                }
            }
            else
            {
                sawNull = true;
            }
        }
        return false;
    }
}
