using Processes.Engine.Feel.Values;

namespace Processes.Engine.Feel.Evaluation;

/// <summary>FEEL's arithmetic over numbers, strings and temporal values. Any unsupported pair yields null with a reason.</summary>
internal static class Arithmetic
{
    public static FeelValue Add(EvalContext ctx, FeelValue a, FeelValue b)
    {
        switch (a, b)
        {
            case (FeelNumber x, FeelNumber y):
                return Checked(ctx, () => x.Value + y.Value);
            case (FeelString x, FeelString y):
                if ((long)x.Value.Length + y.Value.Length > ctx.Limits.MaxStringLength)
                {
                    ctx.Abort($"string longer than the limit of {ctx.Limits.MaxStringLength} characters");
                    return FeelValue.Null;
                }
                return new FeelString(x.Value + y.Value);
            case (FeelYearsMonths x, FeelYearsMonths y):
                return new FeelYearsMonths(x.TotalMonths + y.TotalMonths);
            case (FeelDaysTime x, FeelDaysTime y):
                return Guard(ctx, FeelDaysTime.OutOfRange, () => new FeelDaysTime(x.Value + y.Value));
            case (FeelDaysTime or FeelYearsMonths, FeelDate or FeelDateTime or FeelTime):
                return Add(ctx, b, a);
            case (FeelDateTime x, FeelDaysTime y):
                return Guard(ctx, () =>
                {
                    // Whole 400-year cycles go to the shift: a duration of 20,000 years reaches a date DateTime can't hold.
                    var (years, rest) = FeelCalendar.SplitCycles(y.Value);
                    var (b, shift) = FeelCalendar.Working(x.Local, x.YearShift);
                    shift += years;
                    if (x.Zone is not null && FeelZones.TryFind(x.Zone, out var zone))
                    {
                        // A days-time duration is elapsed time: step on the time line so DST changes are respected.
                        var utc = b - zone.GetUtcOffset(b) + rest;
                        return FeelCalendar.DateTime(utc + zone.GetUtcOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc)), shift, x.Offset, x.Zone);
                    }
                    return FeelCalendar.DateTime(b + rest, shift, x.Offset, x.Zone);
                });
            case (FeelDateTime x, FeelYearsMonths y):
                return Guard(ctx, () =>
                {
                    var (local, shift) = FeelCalendar.AddMonths(x.Local, x.YearShift, y.TotalMonths);
                    return FeelCalendar.DateTime(local, shift, x.Offset, x.Zone);
                });
            case (FeelDate x, FeelDaysTime y):
                return Guard(ctx, () =>
                {
                    var (years, rest) = FeelCalendar.SplitCycles(y.Value);
                    var (b, shift) = FeelCalendar.Working(x.Midnight, x.YearShift);
                    return FeelCalendar.Date(b + rest, shift + years);
                });
            case (FeelDate x, FeelYearsMonths y):
                return Guard(ctx, () =>
                {
                    var (local, shift) = FeelCalendar.AddMonths(x.Midnight, x.YearShift, y.TotalMonths);
                    return FeelCalendar.Date(local, shift);
                });
            case (FeelTime x, FeelDaysTime y):
                return new FeelTime(FeelComparer.Normalize(x.Local + y.Value), x.Offset, x.Zone);
            default:
                return Unsupported(ctx, "+", a, b);
        }
    }

    public static FeelValue Subtract(EvalContext ctx, FeelValue a, FeelValue b)
    {
        switch (a, b)
        {
            case (FeelNumber x, FeelNumber y):
                return Checked(ctx, () => x.Value - y.Value);
            case (FeelYearsMonths x, FeelYearsMonths y):
                return new FeelYearsMonths(x.TotalMonths - y.TotalMonths);
            case (FeelDaysTime x, FeelDaysTime y):
                return Guard(ctx, FeelDaysTime.OutOfRange, () => new FeelDaysTime(x.Value - y.Value));
            case (FeelDateTime or FeelDate, FeelDaysTime y):
                return Add(ctx, a, new FeelDaysTime(-y.Value));
            case (FeelDateTime or FeelDate, FeelYearsMonths y):
                return Add(ctx, a, new FeelYearsMonths(-y.TotalMonths));
            case (FeelTime x, FeelDaysTime y):
                return new FeelTime(FeelComparer.Normalize(x.Local - y.Value), x.Offset, x.Zone);
            case (FeelDate x, FeelDate y):
                return Span(ctx, FeelCalendar.Ticks(x.Midnight, x.YearShift) - FeelCalendar.Ticks(y.Midnight, y.YearShift));
            case (FeelDateTime x, FeelDateTime y):
                return DateTimeDifference(ctx, x, y);
            case (FeelDateTime x, FeelDate y):
                return x.HasZone ? DateTimeDifference(ctx, x, y.AtMidnightUtc()) : Unsupported(ctx, "-", a, b);
            case (FeelDate x, FeelDateTime y):
                return y.HasZone ? DateTimeDifference(ctx, x.AtMidnightUtc(), y) : Unsupported(ctx, "-", a, b);
            case (FeelTime x, FeelTime y):
                var xo = x.EffectiveOffset;
                var yo = y.EffectiveOffset;
                if ((xo is null) != (yo is null))
                {
                    return Unsupported(ctx, "-", a, b);
                }
                return new FeelDaysTime((x.Local - (xo ?? TimeSpan.Zero)) - (y.Local - (yo ?? TimeSpan.Zero)));
            default:
                return Unsupported(ctx, "-", a, b);
        }
    }

    private static FeelValue DateTimeDifference(EvalContext ctx, FeelDateTime x, FeelDateTime y)
    {
        if (x.HasZone != y.HasZone)
        {
            return ctx.Warn("can't subtract a date and time with a time zone and one without");
        }
        return Span(ctx, x.HasZone ? x.UtcTicks!.Value - y.UtcTicks!.Value : x.LocalTicks - y.LocalTicks);
    }

    private static FeelValue Span(EvalContext ctx, decimal ticks) =>
        FeelCalendar.Span(ticks) is { } span ? new FeelDaysTime(span) : ctx.Warn(FeelDaysTime.OutOfRange);

    public static FeelValue Multiply(EvalContext ctx, FeelValue a, FeelValue b)
    {
        switch (a, b)
        {
            case (FeelNumber x, FeelNumber y):
                return Checked(ctx, () => x.Value * y.Value);
            case (FeelDaysTime x, FeelNumber y):
                return Guard(ctx, FeelDaysTime.OutOfRange, () => new FeelDaysTime(TimeSpan.FromTicks((long)decimal.Truncate(x.Value.Ticks * y.Value))));
            case (FeelYearsMonths x, FeelNumber y):
                return Guard(ctx, () => new FeelYearsMonths((long)decimal.Truncate(x.TotalMonths * y.Value)));
            case (FeelNumber, FeelDaysTime or FeelYearsMonths):
                return Multiply(ctx, b, a);
            default:
                return Unsupported(ctx, "*", a, b);
        }
    }

    public static FeelValue Divide(EvalContext ctx, FeelValue a, FeelValue b)
    {
        switch (a, b)
        {
            case (_, FeelNumber { Value: 0 }) when a is FeelNumber or FeelDaysTime or FeelYearsMonths:
                return ctx.Warn("division by zero");
            case (FeelNumber x, FeelNumber y):
                return Checked(ctx, () => x.Value / y.Value);
            case (FeelDaysTime x, FeelNumber y):
                return Guard(ctx, FeelDaysTime.OutOfRange, () => new FeelDaysTime(TimeSpan.FromTicks((long)decimal.Truncate(x.Value.Ticks / y.Value))));
            case (FeelYearsMonths x, FeelNumber y):
                return Guard(ctx, () => new FeelYearsMonths((long)decimal.Truncate(x.TotalMonths / y.Value)));
            case (FeelDaysTime x, FeelDaysTime y):
                return y.Value == TimeSpan.Zero ? ctx.Warn("division by zero") : new FeelNumber((decimal)x.Value.Ticks / y.Value.Ticks);
            case (FeelYearsMonths x, FeelYearsMonths y):
                return y.TotalMonths == 0 ? ctx.Warn("division by zero") : new FeelNumber((decimal)x.TotalMonths / y.TotalMonths);
            default:
                return Unsupported(ctx, "/", a, b);
        }
    }

    public static FeelValue Power(EvalContext ctx, FeelValue a, FeelValue b)
    {
        if (a is not FeelNumber x || b is not FeelNumber y)
        {
            return Unsupported(ctx, "**", a, b);
        }
        return Pow(ctx, x.Value, y.Value);
    }

    public static FeelValue Pow(EvalContext ctx, decimal x, decimal y)
    {
        if (y == decimal.Truncate(y) && Math.Abs(y) <= 1000)
        {
            // Exact for integer exponents, as decimal multiplication is exact within its precision.
            return Checked(ctx, () =>
            {
                var n = (int)Math.Abs(y);
                decimal result = 1;
                var factor = x;
                while (n > 0)
                {
                    if ((n & 1) == 1)
                    {
                        result *= factor;
                    }
                    n >>= 1;
                    if (n > 0)
                    {
                        factor *= factor;
                    }
                }
                return y < 0 ? 1 / result : result;
            });
        }
        var d = Math.Pow((double)x, (double)y);
        return double.IsFinite(d) && Math.Abs(d) < 7.9e28 ? new FeelNumber((decimal)d) : ctx.Warn("result of ** is not a finite number");
    }

    public static FeelValue Negate(EvalContext ctx, FeelValue v) => v switch
    {
        FeelNumber n => new FeelNumber(-n.Value),
        FeelDaysTime d => new FeelDaysTime(-d.Value),
        FeelYearsMonths m => new FeelYearsMonths(-m.TotalMonths),
        FeelNull => FeelValue.Null,
        _ => ctx.TypeError("number or duration", v),
    };

    private static FeelValue Checked(EvalContext ctx, Func<decimal> op)
    {
        try
        {
            return new FeelNumber(op());
        }
        catch (OverflowException)
        {
            return ctx.Warn("number out of range");
        }
        catch (DivideByZeroException)
        {
            return ctx.Warn("division by zero");
        }
    }

    private static FeelValue Guard(EvalContext ctx, Func<FeelValue> op) => Guard(ctx, "temporal value out of range", op);

    /// <summary>.NET's range errors as FEEL's null with <paramref name="outOfRange"/> as the warning.</summary>
    private static FeelValue Guard(EvalContext ctx, string outOfRange, Func<FeelValue> op)
    {
        try
        {
            return op();
        }
        catch (Exception e) when (e is OverflowException or ArgumentOutOfRangeException)
        {
            return ctx.Warn(outOfRange);
        }
    }

    private static FeelValue Unsupported(EvalContext ctx, string op, FeelValue a, FeelValue b) =>
        a is FeelNull || b is FeelNull
            ? FeelValue.Null
            : ctx.Warn($"can't apply '{op}' to {EvalContext.Describe(a)} and {EvalContext.Describe(b)}");
}
