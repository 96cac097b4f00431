using Processes.Engine.Feel.Evaluation;
using Processes.Engine.Feel.Values;

namespace Processes.Engine.Feel.Builtins;

internal static partial class BuiltinRegistry
{
    private static void AddNumbers(Builder b)
    {
        b.Add("decimal", ["n", "scale"], (ctx, a) => Round(ctx, a, MidpointRounding.ToEven, true));
        b.Add("floor", ["n", "scale?"], (ctx, a) => Round(ctx, a, MidpointRounding.ToNegativeInfinity, false));
        b.Add("ceiling", ["n", "scale?"], (ctx, a) => Round(ctx, a, MidpointRounding.ToPositiveInfinity, false));
        b.Add("round up", ["n", "scale?"], (ctx, a) => Round(ctx, a, MidpointRounding.AwayFromZero, false, directed: true));
        b.Add("round down", ["n", "scale?"], (ctx, a) => Round(ctx, a, MidpointRounding.ToZero, false));
        b.Add("round half up", ["n", "scale?"], (ctx, a) => Round(ctx, a, MidpointRounding.AwayFromZero, false));
        b.Add("round half down", ["n", "scale?"], (ctx, a) => RoundHalfDown(ctx, a));
        b.Add("abs", ["n"], (ctx, a) => a[0] switch
        {
            FeelNumber n => new FeelNumber(Math.Abs(n.Value)),
            FeelDaysTime d => new FeelDaysTime(d.Value.Duration()),
            FeelYearsMonths m => new FeelYearsMonths(Math.Abs(m.TotalMonths)),
            FeelNull => FeelValue.Null,
            _ => ctx.TypeError("number", a[0]),
        });
        b.Add("modulo", ["dividend", "divisor"], (ctx, a) =>
        {
            if (!Num(ctx, a[0], out var x) || !Num(ctx, a[1], out var y))
            {
                return FeelValue.Null;
            }
            if (y == 0)
            {
                return ctx.Warn("modulo: division by zero");
            }
            var r = x % y;
            // FEEL's modulo takes the sign of the divisor.
            return new FeelNumber(r != 0 && (r < 0) != (y < 0) ? r + y : r);
        });
        b.Add("sqrt", ["number"], (ctx, a) =>
            Num(ctx, a[0], out var x) ? (x < 0 ? ctx.Warn("sqrt of a negative number") : new FeelNumber(Sqrt(x))) : FeelValue.Null);
        b.Add("log", ["number"], (ctx, a) =>
            Num(ctx, a[0], out var x) ? (x <= 0 ? ctx.Warn("log of a non-positive number") : FromDouble(ctx, Math.Log((double)x))) : FeelValue.Null);
        b.Add("exp", ["number"], (ctx, a) => Num(ctx, a[0], out var x) ? FromDouble(ctx, Math.Exp((double)x)) : FeelValue.Null);
        b.Add("odd", ["number"], (ctx, a) =>
            Num(ctx, a[0], out var x) ? (x != decimal.Truncate(x) ? FeelValue.False : FeelValue.Of(x % 2 != 0)) : FeelValue.Null);
        b.Add("even", ["number"], (ctx, a) =>
            Num(ctx, a[0], out var x) ? (x != decimal.Truncate(x) ? FeelValue.False : FeelValue.Of(x % 2 == 0)) : FeelValue.Null);
        b.Add("random number", [], (_, _) => new FeelNumber((decimal)Random.Shared.NextDouble()));
    }

    private static FeelValue FromDouble(EvalContext ctx, double d) =>
        double.IsFinite(d) && Math.Abs(d) < 7.9e28 ? new FeelNumber((decimal)d) : ctx.Warn("result is not a finite number");

    private static FeelValue Round(EvalContext ctx, FeelValue[] a, MidpointRounding mode, bool scaleRequired, bool directed = false)
    {
        if (!Num(ctx, a[0], out var n))
        {
            return FeelValue.Null;
        }
        var scale = 0;
        if (a.Length > 1 && a[1] is FeelNull)
        {
            return FeelValue.Null;
        }
        if (a.Length > 1 && (a[1] is not FeelNull || scaleRequired))
        {
            if (!Int(ctx, a[1], out scale))
            {
                return FeelValue.Null;
            }
        }
        if (scale is < -6111 or > 6176)
        {
            return ctx.Warn("scale out of range");
        }
        if (scale > 28)
        {
            return new FeelNumber(n);
        }
        if (scale < 0)
        {
            var factor = Arithmetic.Pow(ctx, 10, -scale);
            if (factor is not FeelNumber f)
            {
                return new FeelNumber(0);
            }
            var scaled = Round(ctx, [new FeelNumber(n / f.Value), new FeelNumber(0)], mode, scaleRequired, directed);
            return scaled is FeelNumber s ? new FeelNumber(s.Value * f.Value) : scaled;
        }
        if (directed)
        {
            // Round up: away from zero whenever anything is cut off.
            var truncated = decimal.Round(n, scale, MidpointRounding.ToZero);
            if (truncated == n)
            {
                return new FeelNumber(n);
            }
            return new FeelNumber(n > 0 ? decimal.Round(n, scale, MidpointRounding.ToPositiveInfinity) : decimal.Round(n, scale, MidpointRounding.ToNegativeInfinity));
        }
        return new FeelNumber(decimal.Round(n, scale, mode));
    }

    private static FeelValue RoundHalfDown(EvalContext ctx, FeelValue[] a)
    {
        if (!Num(ctx, a[0], out var n))
        {
            return FeelValue.Null;
        }
        var scale = 0;
        if (a.Length > 1 && a[1] is not FeelNull && !Int(ctx, a[1], out scale))
        {
            return FeelValue.Null;
        }
        if (scale is < 0 or > 28)
        {
            return scale > 28 ? new FeelNumber(n) : ctx.Warn("scale out of range");
        }
        var away = decimal.Round(n, scale, MidpointRounding.AwayFromZero);
        var toward = decimal.Round(n, scale, MidpointRounding.ToZero);
        // Exactly half way: towards zero; otherwise the nearest, which AwayFromZero already gives.
        var half = (away - toward) / 2;
        return new FeelNumber(half != 0 && n - toward == half ? toward : away);
    }

    internal static decimal Sqrt(decimal x)
    {
        if (x == 0)
        {
            return 0;
        }
        var guess = (decimal)Math.Sqrt((double)x);
        for (var i = 0; i < 6; i++)
        {
            if (guess == 0)
            {
                return 0;
            }
            var next = (guess + x / guess) / 2;
            if (next == guess)
            {
                break;
            }
            guess = next;
        }
        return guess;
    }
}
