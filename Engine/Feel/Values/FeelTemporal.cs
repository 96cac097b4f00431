using System.Globalization;
using System.Text;

namespace Processes.Engine.Feel.Values;

internal sealed class FeelDate : FeelValue
{
    public FeelDate(DateOnly value)
        : this(value, 0)
    {
    }

    internal FeelDate(DateOnly value, long yearShift)
    {
        Value = value;
        YearShift = yearShift;
    }

    /// <summary>The calendar date; for years outside 1..9999 it is shifted by <see cref="YearShift"/> years.</summary>
    public DateOnly Value { get; }

    internal long YearShift { get; }

    public long Year => Value.Year + YearShift;

    public override string TypeName => "date";

    internal DateTime Midnight => Value.ToDateTime(TimeOnly.MinValue);

    public override string ToString() => FeelCalendar.Year(Year) + Value.ToString("-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>A date as a date-time at midnight UTC, which is how FEEL compares it with date-times.</summary>
    internal FeelDateTime AtMidnightUtc() => new(Midnight, TimeSpan.Zero, null, YearShift);

    internal FeelDateTime AtMidnightLocal() => new(Midnight, null, null, YearShift);
}

/// <summary>A local time of day with an optional offset or IANA zone.</summary>
internal sealed class FeelTime : FeelValue
{
    public FeelTime(TimeSpan local, TimeSpan? offset, string? zone)
    {
        Local = local;
        Offset = offset;
        Zone = zone;
    }

    /// <summary>Time of day, 0 (inclusive) to 24 hours (exclusive).</summary>
    public TimeSpan Local { get; }

    public TimeSpan? Offset { get; }

    public string? Zone { get; }

    public override string TypeName => "time";

    /// <summary>The offset in effect (a zone's offset today when only a zone is known).</summary>
    internal TimeSpan? EffectiveOffset =>
        Offset ?? (Zone is not null && FeelZones.TryFind(Zone, out var tz) ? tz.GetUtcOffset(DateTime.UtcNow) : null);

    public override string ToString() => FeelTemporalFormat.Time(Local) + FeelTemporalFormat.Suffix(Offset, Zone);
}

/// <summary>A local date and time with an optional offset or IANA zone.</summary>
internal sealed class FeelDateTime : FeelValue
{
    public FeelDateTime(DateTime local, TimeSpan? offset, string? zone)
        : this(local, offset, zone, 0)
    {
    }

    internal FeelDateTime(DateTime local, TimeSpan? offset, string? zone, long yearShift)
    {
        Local = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        Offset = offset;
        Zone = zone;
        YearShift = yearShift;
    }

    /// <summary>The local date and time; for years outside 1..9999 it is shifted by <see cref="YearShift"/> years.</summary>
    public DateTime Local { get; }

    internal long YearShift { get; }

    public long Year => Local.Year + YearShift;

    internal decimal LocalTicks => FeelCalendar.Ticks(Local, YearShift);

    public TimeSpan? Offset { get; }

    public string? Zone { get; }

    public override string TypeName => "date and time";

    public bool HasZone => Offset is not null || Zone is not null;

    internal TimeSpan? EffectiveOffset =>
        Offset ?? (Zone is not null && FeelZones.TryFind(Zone, out var tz) ? tz.GetUtcOffset(Local) : null);

    /// <summary>The instant as UTC ticks, or null for a local date-time.</summary>
    internal decimal? UtcTicks => EffectiveOffset is { } o ? LocalTicks - o.Ticks : null;

    public override string ToString() =>
        FeelCalendar.Year(Year) + Local.ToString("-MM-dd", CultureInfo.InvariantCulture) + "T" + FeelTemporalFormat.Time(Local.TimeOfDay) + FeelTemporalFormat.Suffix(Offset, Zone);
}

/// <summary>
/// A days and time duration, held as a <see cref="TimeSpan"/>: ±10,675,199 days (about ±29,227 years) to the 100 ns.
/// DMN sets no bound; a value beyond this one is not made: parsing, arithmetic and conversion give null with
/// <see cref="OutOfRange"/> as the warning, never an exception.
/// </summary>
internal sealed class FeelDaysTime(TimeSpan value) : FeelValue
{
    /// <summary>What an evaluation says when a days and time duration would leave the range.</summary>
    public const string OutOfRange = "days and time duration out of range: it holds at most ±10675199 days (about ±29227 years)";

    // TimeSpan.MinValue has no positive counterpart; keeping it out makes negation and abs total.
    public TimeSpan Value { get; } = value == TimeSpan.MinValue ? TimeSpan.MinValue + TimeSpan.FromTicks(1) : value;

    public override string TypeName => "days and time duration";

    public override string ToString()
    {
        var v = Value;
        if (v == TimeSpan.Zero)
        {
            return "PT0S";
        }
        var sb = new StringBuilder();
        if (v < TimeSpan.Zero)
        {
            sb.Append('-');
            v = v.Duration();
        }
        sb.Append('P');
        if (v.Days > 0)
        {
            sb.Append(v.Days).Append('D');
        }
        if (v.Hours > 0 || v.Minutes > 0 || v.Seconds > 0 || v.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            sb.Append('T');
            if (v.Hours > 0)
            {
                sb.Append(v.Hours).Append('H');
            }
            if (v.Minutes > 0)
            {
                sb.Append(v.Minutes).Append('M');
            }
            var fraction = v.Ticks % TimeSpan.TicksPerSecond;
            if (v.Seconds > 0 || fraction != 0)
            {
                sb.Append(v.Seconds);
                if (fraction != 0)
                {
                    sb.Append('.').Append(fraction.ToString("0000000", CultureInfo.InvariantCulture).TrimEnd('0'));
                }
                sb.Append('S');
            }
        }
        return sb.ToString();
    }
}

/// <summary>A years and months duration, held as a total number of months.</summary>
internal sealed class FeelYearsMonths(long months) : FeelValue
{
    // As for days-time durations: long.MinValue has no absolute value, so it is kept out.
    public long TotalMonths { get; } = months == long.MinValue ? long.MinValue + 1 : months;

    public override string TypeName => "years and months duration";

    public override string ToString()
    {
        if (TotalMonths == 0)
        {
            return "P0M";
        }
        var abs = Math.Abs(TotalMonths);
        var sb = new StringBuilder(TotalMonths < 0 ? "-P" : "P");
        if (abs / 12 > 0)
        {
            sb.Append(abs / 12).Append('Y');
        }
        if (abs % 12 > 0)
        {
            sb.Append(abs % 12).Append('M');
        }
        return sb.ToString();
    }
}

internal static class FeelTemporalFormat
{
    public static string Time(TimeSpan t)
    {
        var text = t.ToString("hh\\:mm\\:ss", CultureInfo.InvariantCulture);
        var fraction = t.Ticks % TimeSpan.TicksPerSecond;
        return fraction == 0 ? text : text + "." + fraction.ToString("0000000", CultureInfo.InvariantCulture).TrimEnd('0');
    }

    public static string Offset(TimeSpan o) =>
        o == TimeSpan.Zero ? "Z" : (o < TimeSpan.Zero ? "-" : "+") + o.Duration().ToString(o.Seconds == 0 ? "hh\\:mm" : "hh\\:mm\\:ss", CultureInfo.InvariantCulture);

    public static string Suffix(TimeSpan? offset, string? zone) =>
        zone is not null ? "@" + zone : offset is { } o ? Offset(o) : "";
}

/// <summary>Time zone lookup by IANA id. The zone database is part of the runtime, not host input.</summary>
internal static class FeelZones
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, TimeZoneInfo> Cache = new(StringComparer.Ordinal);

    /// <summary>Only zones that exist are cached: zone names can come from expressions, which must not grow the cache.</summary>
    public static bool TryFind(string id, out TimeZoneInfo zone)
    {
        if (Cache.TryGetValue(id, out var cached))
        {
            zone = cached;
            return true;
        }
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(id, out var found))
        {
            zone = null!;
            return false;
        }
        Cache.TryAdd(id, found);
        zone = found;
        return true;
    }
}
