using System.Globalization;
using System.Text.RegularExpressions;

namespace Processes.Engine.Feel.Values;

/// <summary>Parses the ISO 8601 forms FEEL accepts for temporal literals and conversion functions.</summary>
internal static partial class FeelTemporalParser
{
    [GeneratedRegex(@"^(-?(?:\d{4}|[1-9]\d{4,8}))-(\d\d)-(\d\d)$", RegexOptions.CultureInvariant)]
    private static partial Regex DatePattern();

    [GeneratedRegex(@"^(\d\d):(\d\d):(\d\d)(?:\.(\d+))?(?:([Zz])|([+-])(\d\d):(\d\d)(?::(\d\d))?|@([A-Za-z][A-Za-z0-9_/+\-]*))?$", RegexOptions.CultureInvariant)]
    private static partial Regex TimePattern();

    [GeneratedRegex(@"^(-)?P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d*)?)S)?)?$", RegexOptions.CultureInvariant)]
    private static partial Regex DurationPattern();

    public static FeelDate? ParseDate(string text)
    {
        var m = DatePattern().Match(text);
        if (!m.Success)
        {
            return null;
        }
        return long.TryParse(m.Groups[1].Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var year)
            ? FeelCalendar.Date(year, int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture))
            : null;
    }

    public static FeelTime? ParseTime(string text) => ParseTime(text, true);

    private static FeelTime? ParseTime(string text, bool normalize)
    {
        var m = TimePattern().Match(text);
        if (!m.Success)
        {
            return null;
        }
        if (!TryTimeParts(m, out var local, out var offset, out var zone))
        {
            return null;
        }
        return new FeelTime(normalize ? FeelComparer.Normalize(local) : local, offset, zone);
    }

    private static bool TryTimeParts(Match m, out TimeSpan local, out TimeSpan? offset, out string? zone)
    {
        local = default;
        offset = null;
        zone = null;
        var h = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        var mi = int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
        var s = int.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture);
        // 24:00:00 is the end of the day, which is midnight of the next.
        var endOfDay = h == 24 && mi == 0 && s == 0 && (!m.Groups[4].Success || m.Groups[4].Value.All(c => c == '0'));
        if ((h > 23 && !endOfDay) || mi > 59 || s > 59)
        {
            return false;
        }
        long ticks = 0;
        if (m.Groups[4].Success)
        {
            var digits = m.Groups[4].Value;
            // Millisecond precision, as the DMN TCK compares times (and as Camunda serialises them).
            digits = digits.Length > 3 ? digits[..3] : digits;
            digits = digits.PadRight(7, '0');
            ticks = long.Parse(digits, CultureInfo.InvariantCulture);
        }
        local = new TimeSpan(0, h, mi, s) + TimeSpan.FromTicks(ticks);
        if (m.Groups[5].Success)
        {
            offset = TimeSpan.Zero;
        }
        else if (m.Groups[6].Success)
        {
            var oh = int.Parse(m.Groups[7].Value, CultureInfo.InvariantCulture);
            var om = int.Parse(m.Groups[8].Value, CultureInfo.InvariantCulture);
            if (oh > 18 || om > 59)
            {
                return false;
            }
            var os = m.Groups[9].Success ? int.Parse(m.Groups[9].Value, CultureInfo.InvariantCulture) : 0;
            var o = new TimeSpan(oh, om, os);
            offset = m.Groups[6].Value == "-" ? -o : o;
        }
        else if (m.Groups[10].Success)
        {
            zone = m.Groups[10].Value;
            if (!FeelZones.TryFind(zone, out _))
            {
                return false;
            }
        }
        return true;
    }

    public static FeelDateTime? ParseDateTime(string text)
    {
        var t = text.IndexOf('T', StringComparison.Ordinal);
        if (t < 0)
        {
            return ParseDate(text)?.AtMidnightLocal();
        }
        var date = ParseDate(text[..t]);
        var time = ParseTime(text[(t + 1)..], false);
        if (date is null || time is null)
        {
            return null;
        }
        var (b, shift) = FeelCalendar.Working(date.Midnight, date.YearShift);
        return FeelCalendar.DateTime(b + time.Local, shift, time.Offset, time.Zone);
    }

    /// <summary>Either a <see cref="FeelDaysTime"/> or a <see cref="FeelYearsMonths"/>, or null when malformed or out of range.</summary>
    public static FeelValue? ParseDuration(string text) => ParseDuration(text, out _);

    /// <param name="outOfRange">True when the text is a well-formed duration too long for its type.</param>
    public static FeelValue? ParseDuration(string text, out bool outOfRange)
    {
        outOfRange = false;
        var m = DurationPattern().Match(text);
        if (!m.Success)
        {
            return null;
        }
        var negative = m.Groups[1].Success;
        var hasYm = m.Groups[2].Success || m.Groups[3].Success;
        var hasDt = m.Groups[4].Success || m.Groups[5].Success || m.Groups[6].Success || m.Groups[7].Success;
        try
        {
            if (hasYm && !hasDt)
            {
                var months = checked(Long(m.Groups[2]) * 12 + Long(m.Groups[3]));
                return new FeelYearsMonths(negative ? -months : months);
            }
            if (hasYm)
            {
                // Mixed forms ("P1Y2D") belong to neither FEEL duration type.
                return null;
            }
            var seconds = m.Groups[7].Success ? decimal.Parse(m.Groups[7].Value, CultureInfo.InvariantCulture) : 0m;
            var total = Long(m.Groups[4]) * 86400m + Long(m.Groups[5]) * 3600m + Long(m.Groups[6]) * 60m + seconds;
            var ticks = decimal.Truncate(total * TimeSpan.TicksPerSecond);
            if (ticks > long.MaxValue)
            {
                outOfRange = true;
                return null;
            }
            var span = TimeSpan.FromTicks((long)ticks);
            return new FeelDaysTime(negative ? -span : span);
        }
        catch (OverflowException)
        {
            outOfRange = true;
            return null;
        }
    }

    private static long Long(Group g) => g.Success ? long.Parse(g.Value, CultureInfo.InvariantCulture) : 0;

    /// <summary>Parses the body of an <c>@"..."</c> literal by its shape.</summary>
    public static FeelValue? ParseAtLiteral(string text)
    {
        if (text.StartsWith('P') || text.StartsWith("-P", StringComparison.Ordinal))
        {
            return ParseDuration(text);
        }
        if (text.Contains('T', StringComparison.Ordinal))
        {
            return ParseDateTime(text);
        }
        if (text.Length > 2 && text[2] == ':')
        {
            return ParseTime(text);
        }
        return ParseDate(text);
    }
}
