using Processes.Engine.Feel.Evaluation;
using Processes.Engine.Feel.Values;

namespace Processes.Engine.Feel.Builtins;

/// <summary>The DMN 1.3 range relations. A point is treated as the closed range [p..p].</summary>
internal static partial class BuiltinRegistry
{
    /// <summary>An endpoint: a value, or minus/plus infinity for the open side of <c>&lt; 10</c> or <c>&gt; 10</c>.</summary>
    private readonly record struct Point(FeelValue Value, int Infinity);

    private readonly record struct Interval(Point Start, bool StartIn, Point End, bool EndIn);

    private static Interval? AsInterval(FeelValue v) => v switch
    {
        // A null endpoint that isn't an unbounded side makes the relation unknown.
        FeelRange r when (r.Start is FeelNull && !r.StartUnbounded) || (r.End is FeelNull && !r.EndUnbounded) => null,
        FeelRange r => new Interval(new(r.Start, r.StartUnbounded ? -1 : 0), r.StartIncluded, new(r.End, r.EndUnbounded ? 1 : 0), r.EndIncluded),
        FeelNull or FeelList or FeelContextValue or FeelFunction => null,
        _ => new Interval(new(v, 0), true, new(v, 0), true),
    };

    private static void AddRanges(Builder b)
    {
        Relation(b, "before", (x, y) => Lt(x.End, y.Start) || (Eq(x.End, y.Start) && !(x.EndIn && y.StartIn)));
        Relation(b, "after", (x, y) => Lt(y.End, x.Start) || (Eq(y.End, x.Start) && !(y.EndIn && x.StartIn)));
        Relation(b, "meets", (x, y) => x.EndIn && y.StartIn && Eq(x.End, y.Start));
        Relation(b, "met by", (x, y) => y.EndIn && x.StartIn && Eq(y.End, x.Start));
        Relation(b, "overlaps", (x, y) =>
            (Lt(y.Start, x.End) || (Eq(y.Start, x.End) && x.EndIn && y.StartIn)) &&
            (Lt(x.Start, y.End) || (Eq(x.Start, y.End) && x.StartIn && y.EndIn)));
        Relation(b, "overlaps before", (x, y) =>
            (Lt(x.Start, y.Start) || (Eq(x.Start, y.Start) && x.StartIn && !y.StartIn)) &&
            (Lt(y.Start, x.End) || (Eq(y.Start, x.End) && x.EndIn && y.StartIn)) &&
            (Lt(x.End, y.End) || (Eq(x.End, y.End) && (!x.EndIn || y.EndIn))));
        Relation(b, "overlaps after", (x, y) =>
            (Lt(y.Start, x.Start) || (Eq(y.Start, x.Start) && y.StartIn && !x.StartIn)) &&
            (Lt(x.Start, y.End) || (Eq(x.Start, y.End) && x.StartIn && y.EndIn)) &&
            (Lt(y.End, x.End) || (Eq(y.End, x.End) && (!y.EndIn || x.EndIn))));
        Relation(b, "finishes", (x, y) =>
            x.EndIn == y.EndIn && Eq(x.End, y.End) &&
            (Lt(y.Start, x.Start) || (Eq(y.Start, x.Start) && (!x.StartIn || y.StartIn))));
        Relation(b, "finished by", (x, y) =>
            x.EndIn == y.EndIn && Eq(x.End, y.End) &&
            (Lt(x.Start, y.Start) || (Eq(x.Start, y.Start) && (x.StartIn || !y.StartIn))));
        Relation(b, "includes", (x, y) =>
            (Lt(x.Start, y.Start) || (Eq(x.Start, y.Start) && (x.StartIn || !y.StartIn))) &&
            (Lt(y.End, x.End) || (Eq(y.End, x.End) && (x.EndIn || !y.EndIn))));
        Relation(b, "during", (x, y) =>
            (Lt(y.Start, x.Start) || (Eq(y.Start, x.Start) && (y.StartIn || !x.StartIn))) &&
            (Lt(x.End, y.End) || (Eq(x.End, y.End) && (y.EndIn || !x.EndIn))));
        Relation(b, "starts", (x, y) =>
            x.StartIn == y.StartIn && Eq(x.Start, y.Start) &&
            (Lt(x.End, y.End) || (Eq(x.End, y.End) && (!x.EndIn || y.EndIn))));
        Relation(b, "started by", (x, y) =>
            x.StartIn == y.StartIn && Eq(x.Start, y.Start) &&
            (Lt(y.End, x.End) || (Eq(y.End, x.End) && (!y.EndIn || x.EndIn))));
        Relation(b, "coincides", (x, y) => x.StartIn == y.StartIn && x.EndIn == y.EndIn && Eq(x.Start, y.Start) && Eq(x.End, y.End));
    }

    private static void Relation(Builder b, string name, Func<Interval, Interval, bool> relation) =>
        b.Add(name, ["range1", "range2"], (ctx, a) =>
        {
            if (AsInterval(a[0]) is not { } x || AsInterval(a[1]) is not { } y)
            {
                return a[0] is FeelNull || a[1] is FeelNull ? FeelValue.Null : ctx.Warn($"{name}: expected ranges or points");
            }
            if (!Comparable(x, y))
            {
                return ctx.Warn($"{name}: the endpoints are not comparable");
            }
            return FeelValue.Of(relation(x, y));
        });

    private static bool Comparable(Interval x, Interval y)
    {
        Point[] points = [x.Start, x.End, y.Start, y.End];
        var known = points.Where(p => p.Infinity == 0).Select(p => p.Value).ToList();
        return known.All(p => FeelComparer.Compare(p, known[0]) is not null);
    }

    private static bool Lt(Point a, Point b) =>
        a.Infinity == 0 && b.Infinity == 0 ? FeelComparer.Compare(a.Value, b.Value) < 0 : a.Infinity < b.Infinity;

    private static bool Eq(Point a, Point b) =>
        a.Infinity == 0 && b.Infinity == 0 ? FeelComparer.Compare(a.Value, b.Value) == 0 : a.Infinity == b.Infinity;

    private static FeelValue ContextGet(EvalContext ctx, FeelValue context, FeelValue key) =>
        context is FeelContextValue c && key is FeelString k
            ? (c.TryGet(k.Value, out var v) ? v : FeelValue.Null)
            : ctx.Warn("get value: expected a context and a string key");
}
