using System.Globalization;
using Processes.Engine.Feel.Evaluation;
using Processes.Engine.Feel.Values;

namespace Processes.Engine.Feel.Builtins;

internal static partial class BuiltinRegistry
{
    private static void AddConversion(Builder b)
    {
        b.Add("date", ["from"], (ctx, a) => a[0] switch
        {
            FeelString s => (FeelValue?)FeelTemporalParser.ParseDate(s.Value) ?? ctx.Warn($"invalid date \"{s.Value}\""),
            FeelDateTime dt => new FeelDate(DateOnly.FromDateTime(dt.Local), dt.YearShift),
            FeelDate d => d,
            FeelNull => FeelValue.Null,
            _ => ctx.TypeError("string or date and time", a[0]),
        });
        b.Add("date", ["year", "month", "day"], (ctx, a) =>
        {
            if (!Int(ctx, a[0], out var y) || !Int(ctx, a[1], out var m) || !Int(ctx, a[2], out var d))
            {
                return FeelValue.Null;
            }
            return (FeelValue?)FeelCalendar.Date(y, m, d) ?? ctx.Warn($"invalid date {y}-{m}-{d}");
        });
        b.Add("time", ["from"], (ctx, a) => a[0] switch
        {
            FeelString s => (FeelValue?)FeelTemporalParser.ParseTime(s.Value) ?? ctx.Warn($"invalid time \"{s.Value}\""),
            FeelDateTime dt => new FeelTime(dt.Local.TimeOfDay, dt.Offset, dt.Zone),
            FeelDate => new FeelTime(TimeSpan.Zero, TimeSpan.Zero, null),
            FeelTime t => t,
            FeelNull => FeelValue.Null,
            _ => ctx.TypeError("string or date and time", a[0]),
        });
        b.Add("time", ["hour", "minute", "second", "offset?"], (ctx, a) =>
        {
            if (!Int(ctx, a[0], out var h) || !Int(ctx, a[1], out var m) || !Num(ctx, a[2], out var s))
            {
                return FeelValue.Null;
            }
            if (h is < 0 or > 23 || m is < 0 or > 59 || s < 0 || s >= 60)
            {
                return ctx.Warn("invalid time");
            }
            TimeSpan? offset = null;
            if (a.Length > 3 && a[3] is not FeelNull)
            {
                if (a[3] is not FeelDaysTime o)
                {
                    return ctx.TypeError("days and time duration", a[3]);
                }
                offset = o.Value;
            }
            return new FeelTime(new TimeSpan(h, m, 0) + TimeSpan.FromTicks((long)(s * TimeSpan.TicksPerSecond)), offset, null);
        });
        b.Add("date and time", ["from"], (ctx, a) => a[0] switch
        {
            FeelString s => (FeelValue?)FeelTemporalParser.ParseDateTime(s.Value) ?? ctx.Warn($"invalid date and time \"{s.Value}\""),
            FeelDateTime dt => dt,
            FeelDate d => d.AtMidnightLocal(),
            FeelNull => FeelValue.Null,
            _ => ctx.TypeError("string", a[0]),
        });
        b.Add("date and time", ["date", "time"], (ctx, a) =>
        {
            if (a[1] is FeelString && a[0] is FeelDateTime)
            {
                return DateTimeInZone(ctx, a);
            }
            DateOnly date;
            long shift;
            switch (a[0])
            {
                case FeelDate d:
                    (date, shift) = (d.Value, d.YearShift);
                    break;
                case FeelDateTime dt:
                    (date, shift) = (DateOnly.FromDateTime(dt.Local), dt.YearShift);
                    break;
                default:
                    return a[0] is FeelNull ? FeelValue.Null : ctx.TypeError("date", a[0]);
            }
            if (a[1] is not FeelTime t)
            {
                return a[1] is FeelNull ? FeelValue.Null : ctx.TypeError("time", a[1]);
            }
            var (b, working) = FeelCalendar.Working(date.ToDateTime(TimeOnly.MinValue), shift);
            return FeelCalendar.DateTime(b + t.Local, working, t.Offset, t.Zone);
        });
        b.Add("duration", ["from"], (ctx, a) => a[0] switch
        {
            FeelString s => FeelTemporalParser.ParseDuration(s.Value, out var outOfRange)
                ?? ctx.Warn(outOfRange ? $"duration \"{s.Value}\" is out of range ({FeelDaysTime.OutOfRange})" : $"invalid duration \"{s.Value}\""),
            FeelDaysTime or FeelYearsMonths => a[0],
            FeelNull => FeelValue.Null,
            _ => ctx.TypeError("string", a[0]),
        });
        b.Add("years and months duration", ["from", "to"], (ctx, a) =>
        {
            if (YearMonthDay(a[0]) is not { } from || YearMonthDay(a[1]) is not { } to)
            {
                return a[0] is FeelNull || a[1] is FeelNull ? FeelValue.Null : ctx.Warn("years and months duration: expected dates");
            }
            return new FeelYearsMonths(MonthsBetween(from, to));
        });
        b.Add("number", ["from", "grouping separator?", "decimal separator?"], (ctx, a) =>
        {
            if (!Str(ctx, a[0], out var s))
            {
                return FeelValue.Null;
            }
            var group = a.Length > 1 && a[1] is FeelString g ? g.Value : null;
            var dec = a.Length > 2 && a[2] is FeelString ds ? ds.Value : null;
            if (group is not (null or " " or "," or ".") || dec is not (null or "," or ".") || (group is not null && group == dec))
            {
                return ctx.Warn("number: invalid separators");
            }
            if (group is not null)
            {
                s = s.Replace(group, "", StringComparison.Ordinal);
            }
            if (dec is not null)
            {
                s = s.Replace(dec, ".", StringComparison.Ordinal);
            }
            return decimal.TryParse(s, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out var d)
                ? new FeelNumber(d)
                : ctx.Warn($"can't convert \"{s}\" to a number");
        });
        b.Add("string", ["from"], (ctx, a) => a[0] switch
        {
            FeelNull => FeelValue.Null,
            FeelString s => s,
            _ => ToFeelString(a[0]) is var text && ctx.CheckLength(text.Length) ? new FeelString(text) : FeelValue.Null,
        });
    }

    /// <summary>The text <c>string()</c> gives: like the literal form, but strings inside lists and contexts stay unquoted only at top level.</summary>
    internal static string ToFeelString(FeelValue v) => v switch
    {
        FeelString s => s.Value,
        FeelList l => "[" + string.Join(", ", l.Items.Select(i => i is FeelString ? i.ToString() : ToFeelString(i))) + "]",
        FeelContextValue c => "{" + string.Join(", ", c.Entries.Select(e => e.Key + ": " + (e.Value is FeelString ? e.Value.ToString() : ToFeelString(e.Value)))) + "}",
        _ => v.ToString(),
    };

    private static (long Year, int Month, int Day)? YearMonthDay(FeelValue v) => v switch
    {
        FeelDate d => (d.Year, d.Value.Month, d.Value.Day),
        FeelDateTime dt => (dt.Year, dt.Local.Month, dt.Local.Day),
        _ => null,
    };

    /// <summary>Whole months between the calendar dates; the time of day does not count.</summary>
    private static long MonthsBetween((long Year, int Month, int Day) from, (long Year, int Month, int Day) to)
    {
        var months = (to.Year - from.Year) * 12 + to.Month - from.Month;
        if (months > 0 && to.Day < from.Day)
        {
            months--;
        }
        else if (months < 0 && to.Day > from.Day)
        {
            months++;
        }
        return months;
    }
}
