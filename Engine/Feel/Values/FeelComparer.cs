namespace Processes.Engine.Feel.Values;

/// <summary>FEEL equality and ordering. A null result means the values are not comparable (FEEL yields null).</summary>
internal static class FeelComparer
{
    public static bool? ValueEquals(FeelValue a, FeelValue b)
    {
        switch (a, b)
        {
            case (FeelNull, FeelNull):
                return true;
            case (FeelNull, _) or (_, FeelNull):
                return false;
            case (FeelNumber x, FeelNumber y):
                return x.Value == y.Value;
            case (FeelString x, FeelString y):
                return string.Equals(x.Value, y.Value, StringComparison.Ordinal);
            case (FeelBoolean x, FeelBoolean y):
                return x.Value == y.Value;
            case (FeelList x, FeelList y):
                if (x.Items.Count != y.Items.Count)
                {
                    return false;
                }
                for (var i = 0; i < x.Items.Count; i++)
                {
                    var e = ValueEquals(x.Items[i], y.Items[i]);
                    if (e != true)
                    {
                        return e;
                    }
                }
                return true;
            case (FeelContextValue x, FeelContextValue y):
                if (x.Entries.Count != y.Entries.Count)
                {
                    return false;
                }
                foreach (var (key, value) in x.Entries)
                {
                    if (!y.TryGet(key, out var other))
                    {
                        return false;
                    }
                    var e = ValueEquals(value, other);
                    if (e != true)
                    {
                        return e;
                    }
                }
                return true;
            case (FeelRange x, FeelRange y):
                return x.StartIncluded == y.StartIncluded && x.EndIncluded == y.EndIncluded && x.IsEquality == y.IsEquality &&
                       x.StartUnbounded == y.StartUnbounded && x.EndUnbounded == y.EndUnbounded &&
                       ValueEquals(x.Start, y.Start) == true && ValueEquals(x.End, y.End) == true;
            case (FeelFunction x, FeelFunction y):
                return ReferenceEquals(x, y);
            case (FeelDate x, FeelDate y):
                return x.Value == y.Value && x.YearShift == y.YearShift;
            case (FeelDateTime x, FeelDateTime y):
                if (x.HasZone != y.HasZone)
                {
                    return false;
                }
                return x.HasZone ? x.UtcTicks == y.UtcTicks : x.LocalTicks == y.LocalTicks;
            case (FeelTime x, FeelTime y):
                return Compare(a, b) is { } c ? c == 0 : false;
            default:
                return CompareDurations(a, b) is { } d ? d == 0 : null;
        }
    }

    public static int? Compare(FeelValue a, FeelValue b)
    {
        switch (a, b)
        {
            case (FeelNumber x, FeelNumber y):
                return x.Value.CompareTo(y.Value);
            case (FeelString x, FeelString y):
                return string.CompareOrdinal(x.Value, y.Value) switch { < 0 => -1, > 0 => 1, _ => 0 };
            case (FeelDate x, FeelDate y):
                return x.YearShift == y.YearShift ? x.Value.CompareTo(y.Value) : x.Year.CompareTo(y.Year);
            case (FeelDateTime x, FeelDateTime y):
                return CompareDateTimes(x, y);
            case (FeelDate x, FeelDateTime y):
                return CompareDateTimes(WithZoneOf(x, y), y);
            case (FeelDateTime x, FeelDate y):
                return CompareDateTimes(x, WithZoneOf(y, x));
            case (FeelTime x, FeelTime y):
                var xo = x.EffectiveOffset;
                var yo = y.EffectiveOffset;
                if ((xo is null) != (yo is null))
                {
                    return null;
                }
                var xt = xo is { } o1 ? Normalize(x.Local - o1) : x.Local;
                var yt = yo is { } o2 ? Normalize(y.Local - o2) : y.Local;
                return xt.CompareTo(yt);
            default:
                return CompareDurations(a, b);
        }
    }

    private static FeelDateTime WithZoneOf(FeelDate date, FeelDateTime other) =>
        other.HasZone ? date.AtMidnightUtc() : date.AtMidnightLocal();

    private static int? CompareDateTimes(FeelDateTime x, FeelDateTime y)
    {
        if (x.HasZone != y.HasZone)
        {
            return null;
        }
        return x.HasZone ? x.UtcTicks!.Value.CompareTo(y.UtcTicks!.Value) : x.LocalTicks.CompareTo(y.LocalTicks);
    }

    private static int? CompareDurations(FeelValue a, FeelValue b) => (a, b) switch
    {
        (FeelDaysTime x, FeelDaysTime y) => x.Value.CompareTo(y.Value),
        (FeelYearsMonths x, FeelYearsMonths y) => x.TotalMonths.CompareTo(y.TotalMonths),
        _ => null,
    };

    public static TimeSpan Normalize(TimeSpan t)
    {
        var day = TimeSpan.FromDays(1);
        var r = TimeSpan.FromTicks(t.Ticks % day.Ticks);
        return r < TimeSpan.Zero ? r + day : r;
    }
}
