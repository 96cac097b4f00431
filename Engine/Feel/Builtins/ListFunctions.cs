using Processes.Engine.Feel.Evaluation;
using Processes.Engine.Feel.Syntax;
using Processes.Engine.Feel.Values;

namespace Processes.Engine.Feel.Builtins;

internal static partial class BuiltinRegistry
{
    private static void AddLists(Builder b)
    {
        b.Add("list contains", ["list", "element"], (ctx, a) =>
            a[0] is FeelList l ? FeelValue.Of(l.Items.Any(i => FeelComparer.ValueEquals(i, a[1]) == true)) : ctx.TypeError("list", a[0]));
        b.Add("count", ["list"], (ctx, a) => a[0] is FeelList l ? new FeelNumber(l.Items.Count) : ctx.TypeError("list", a[0]));
        b.AddListOrItems("min", (ctx, items) => Extreme(ctx, items, -1));
        b.AddListOrItems("max", (ctx, items) => Extreme(ctx, items, 1));
        b.AddListOrItems("sum", (ctx, items) => Numbers(ctx, items) is { } n ? (n.Length == 0 ? FeelValue.Null : Guarded(ctx, () => n.Sum())) : FeelValue.Null);
        b.AddListOrItems("product", (ctx, items) => Numbers(ctx, items) is { } n ? (n.Length == 0 ? FeelValue.Null : Guarded(ctx, () => n.Aggregate(1m, (x, y) => x * y))) : FeelValue.Null);
        b.AddListOrItems("mean", (ctx, items) => Numbers(ctx, items) is { Length: > 0 } n ? Guarded(ctx, () => n.Sum() / n.Length) : FeelValue.Null);
        b.AddListOrItems("median", (ctx, items) =>
        {
            if (Numbers(ctx, items) is not { Length: > 0 } n)
            {
                return FeelValue.Null;
            }
            Array.Sort(n);
            return new FeelNumber(n.Length % 2 == 1 ? n[n.Length / 2] : (n[n.Length / 2 - 1] + n[n.Length / 2]) / 2);
        });
        b.AddListOrItems("stddev", (ctx, items) =>
        {
            if (Numbers(ctx, items) is not { Length: > 1 } n)
            {
                return FeelValue.Null;
            }
            var mean = n.Sum() / n.Length;
            var variance = n.Sum(x => (x - mean) * (x - mean)) / (n.Length - 1);
            return new FeelNumber(Sqrt(variance));
        });
        b.AddListOrItems("mode", (ctx, items) =>
        {
            if (Numbers(ctx, items) is not { } n)
            {
                return FeelValue.Null;
            }
            if (n.Length == 0)
            {
                return FeelList.Empty;
            }
            var groups = n.GroupBy(x => x).ToList();
            var top = groups.Max(g => g.Count());
            return new FeelList([.. groups.Where(g => g.Count() == top).Select(g => g.Key).Order().Select(x => (FeelValue)new FeelNumber(x))]);
        });
        b.AddListOrItems("all", (ctx, items) => Logic(ctx, items, true));
        b.AddListOrItems("any", (ctx, items) => Logic(ctx, items, false));
        b.Add("sublist", ["list", "start position", "length?"], (ctx, a) =>
        {
            if (a[0] is not FeelList l || !Int(ctx, a[1], out var start))
            {
                return a[0] is FeelList ? FeelValue.Null : ctx.TypeError("list", a[0]);
            }
            var from = start > 0 ? start - 1 : l.Items.Count + start;
            if (start == 0 || from < 0 || from >= l.Items.Count)
            {
                return ctx.Warn("sublist: start position out of range");
            }
            var count = l.Items.Count - from;
            if (a.Length > 2 && a[2] is not FeelNull)
            {
                if (!Int(ctx, a[2], out var len) || len < 0 || len > count)
                {
                    return ctx.Warn("sublist: invalid length");
                }
                count = len;
            }
            return new FeelList([.. l.Items.Skip(from).Take(count)]);
        });
        b.AddVariadic("append", ["list"], (ctx, a) =>
            a[0] is FeelList l ? Sized(ctx, [.. l.Items, .. a.Skip(1)]) : ctx.TypeError("list", a[0]));
        b.AddVariadic("concatenate", [], (ctx, a) =>
        {
            var result = new List<FeelValue>();
            foreach (var arg in a)
            {
                if (arg is not FeelList l)
                {
                    return ctx.TypeError("list", arg);
                }
                result.AddRange(l.Items);
            }
            return Sized(ctx, result);
        });
        b.Add("insert before", ["list", "position", "newItem"], (ctx, a) =>
        {
            if (a[0] is not FeelList l || !Int(ctx, a[1], out var pos))
            {
                return ctx.Warn("insert before: expected a list and a position");
            }
            var at = pos > 0 ? pos - 1 : l.Items.Count + pos;
            if (pos == 0 || at < 0 || at > l.Items.Count)
            {
                return ctx.Warn("insert before: position out of range");
            }
            var items = l.Items.ToList();
            items.Insert(at, a[2]);
            return new FeelList(items);
        });
        b.Add("remove", ["list", "position"], (ctx, a) =>
        {
            if (a[0] is not FeelList l || !Int(ctx, a[1], out var pos))
            {
                return ctx.Warn("remove: expected a list and a position");
            }
            var at = pos > 0 ? pos - 1 : l.Items.Count + pos;
            if (pos == 0 || at < 0 || at >= l.Items.Count)
            {
                return ctx.Warn("remove: position out of range");
            }
            var items = l.Items.ToList();
            items.RemoveAt(at);
            return new FeelList(items);
        });
        b.Add("list replace", ["list", "position", "newItem"], ListReplace);
        b.Add("list replace", ["list", "match", "newItem"], ListReplace);
        b.Add("reverse", ["list"], (ctx, a) => a[0] is FeelList l ? new FeelList([.. l.Items.Reverse()]) : ctx.TypeError("list", a[0]));
        b.Add("index of", ["list", "match"], (ctx, a) =>
            a[0] is FeelList l
                ? new FeelList([.. l.Items.Select((v, i) => (v, i)).Where(p => FeelComparer.ValueEquals(p.v, a[1]) == true).Select(p => (FeelValue)new FeelNumber(p.i + 1))])
                : ctx.TypeError("list", a[0]));
        b.AddVariadic("union", [], (ctx, a) =>
        {
            var all = new List<FeelValue>();
            foreach (var arg in a)
            {
                if (arg is not FeelList l)
                {
                    return ctx.TypeError("list", arg);
                }
                all.AddRange(l.Items);
            }
            return Sized(ctx, Distinct(all));
        });
        b.Add("distinct values", ["list"], (ctx, a) => a[0] is FeelList l ? new FeelList(Distinct(l.Items)) : ctx.TypeError("list", a[0]));
        b.Add("duplicate values", ["list"], (ctx, a) =>
        {
            if (a[0] is not FeelList l)
            {
                return ctx.TypeError("list", a[0]);
            }
            var dups = l.Items.Where((v, i) => l.Items.Skip(i + 1).Any(o => FeelComparer.ValueEquals(v, o) == true)).ToList();
            return new FeelList(Distinct(dups));
        });
        b.Add("flatten", ["list"], (ctx, a) =>
        {
            if (a[0] is not FeelList l)
            {
                return ctx.TypeError("list", a[0]);
            }
            var result = new List<FeelValue>();
            Flatten(l, result);
            return Sized(ctx, result);
        });
        b.Add("sort", ["list", "precedes?"], (ctx, a) =>
        {
            if (a[0] is not FeelList l)
            {
                return ctx.TypeError("list", a[0]);
            }
            var precedes = Arg(a, 1) as FeelFunction;
            var failed = false;
            bool Precedes(FeelValue x, FeelValue y)
            {
                if (failed || ctx.Aborted)
                {
                    return false;
                }
                if (precedes is not null)
                {
                    return Calls.Invoke(ctx, precedes, [x, y]) is FeelBoolean { Value: true };
                }
                var c = FeelComparer.Compare(x, y);
                failed |= c is null;
                return c < 0;
            }
            var sorted = MergeSort(l.Items, Precedes);
            return failed ? ctx.Warn("sort: the list holds values that can't be compared") : new FeelList(sorted);
        });
        b.Add("is empty", ["list"], (ctx, a) => a[0] is FeelList l ? FeelValue.Of(l.Items.Count == 0) : ctx.TypeError("list", a[0]));
    }

    private static FeelValue ListReplace(EvalContext ctx, FeelValue[] a)
    {
        var list = a[0] as FeelList ?? (a[0] is FeelNull ? null : new FeelList([a[0]]));
        if (list is null)
        {
            return ctx.TypeError("list", a[0]);
        }
        var items = list.Items.ToList();
        if (a[1] is FeelFunction match)
        {
            if (match.Overloads[0].Parameters.Length != 2)
            {
                return ctx.Warn("list replace: the match function must take two parameters");
            }
            for (var i = 0; i < items.Count; i++)
            {
                var hit = Calls.Invoke(ctx, match, [items[i], a[2]]);
                if (hit is not FeelBoolean)
                {
                    return ctx.TypeError("boolean from the match function", hit);
                }
                if (((FeelBoolean)hit).Value)
                {
                    items[i] = a[2];
                }
            }
            return new FeelList(items);
        }
        if (!Int(ctx, a[1], out var pos))
        {
            return FeelValue.Null;
        }
        var at = pos > 0 ? pos - 1 : items.Count + pos;
        if (pos == 0 || at < 0 || at >= items.Count)
        {
            return ctx.Warn("list replace: position out of range");
        }
        items[at] = a[2];
        return new FeelList(items);
    }

    /// <summary>
    /// Stable merge sort that tolerates an inconsistent ordering (a user's precedes function may be anything):
    /// it always terminates and never throws, unlike the framework sorts.
    /// </summary>
    private static FeelValue[] MergeSort(IReadOnlyList<FeelValue> items, Func<FeelValue, FeelValue, bool> precedes)
    {
        var a = items.ToArray();
        var buffer = new FeelValue[a.Length];
        for (var width = 1; width < a.Length; width *= 2)
        {
            for (var lo = 0; lo < a.Length; lo += 2 * width)
            {
                int mid = Math.Min(lo + width, a.Length), hi = Math.Min(lo + 2 * width, a.Length);
                int i = lo, j = mid, k = lo;
                while (i < mid && j < hi)
                {
                    // Take from the right only when it strictly precedes, which keeps equal items in order.
                    buffer[k++] = precedes(a[j], a[i]) ? a[j++] : a[i++];
                }
                while (i < mid)
                {
                    buffer[k++] = a[i++];
                }
                while (j < hi)
                {
                    buffer[k++] = a[j++];
                }
            }
            (a, buffer) = (buffer, a);
        }
        return a;
    }

    private static FeelValue Sized(EvalContext ctx, List<FeelValue> items) =>
        ctx.CheckSize(items.Count) ? new FeelList(items) : FeelValue.Null;

    private static List<FeelValue> Distinct(IEnumerable<FeelValue> items)
    {
        var result = new List<FeelValue>();
        foreach (var item in items)
        {
            if (!result.Any(r => FeelComparer.ValueEquals(r, item) == true))
            {
                result.Add(item);
            }
        }
        return result;
    }

    private static void Flatten(FeelList list, List<FeelValue> into)
    {
        foreach (var item in list.Items)
        {
            if (item is FeelList inner)
            {
                Flatten(inner, into);
            }
            else
            {
                into.Add(item);
            }
        }
    }

    private static decimal[]? Numbers(EvalContext ctx, IReadOnlyList<FeelValue> items)
    {
        var result = new decimal[items.Count];
        for (var i = 0; i < result.Length; i++)
        {
            if (items[i] is not FeelNumber n)
            {
                ctx.TypeError("number", items[i]);
                return null;
            }
            result[i] = n.Value;
        }
        return result;
    }

    private static FeelValue Guarded(EvalContext ctx, Func<decimal> f)
    {
        try
        {
            return new FeelNumber(f());
        }
        catch (OverflowException)
        {
            return ctx.Warn("number out of range");
        }
    }

    private static FeelValue Extreme(EvalContext ctx, IReadOnlyList<FeelValue> items, int sign)
    {
        if (items.Count == 0)
        {
            return FeelValue.Null;
        }
        var best = items[0];
        foreach (var item in items.Skip(1))
        {
            var c = FeelComparer.Compare(item, best);
            if (c is null)
            {
                return ctx.Warn($"can't compare {EvalContext.Describe(item)} with {EvalContext.Describe(best)}");
            }
            if (c * sign > 0)
            {
                best = item;
            }
        }
        return items.Count == 1 && FeelComparer.Compare(best, best) is null ? ctx.TypeError("comparable value", best) : best;
    }

    private static FeelValue Logic(EvalContext ctx, IReadOnlyList<FeelValue> items, bool all)
    {
        var sawOther = false;
        foreach (var item in items)
        {
            if (item is FeelBoolean b)
            {
                if (b.Value != all)
                {
                    return FeelValue.Of(!all);
                }
            }
            else
            {
                sawOther = true;
            }
        }
        return sawOther ? ctx.Warn((all ? "all" : "any") + ": the list holds non-boolean values") : FeelValue.Of(all);
    }
}
