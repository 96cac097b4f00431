using System.Globalization;
using Processes.Engine.Calendars;

namespace Processes.Engine.Timers;

/// <summary>
/// ISO 8601 date-times as Zeebe's <c>timeDate</c> accepts them: with <c>Z</c> or an offset
/// (<c>2026-12-01T09:00:00+08:00</c>), with a zone id in brackets (java.time:
/// <c>2026-12-01T09:00:00+08:00[Asia/Shanghai]</c>) or after <c>@</c> (FEEL: <c>2026-12-01T09:00:00@Asia/Shanghai</c>),
/// or as a local date-time read in the default zone. An explicit offset fixes the instant; a zone id without
/// an offset says where the local reading is resolved (DST gaps move forward, overlaps take the earlier instant).
/// </summary>
internal static class TimerDates
{
    private static readonly string[] OffsetFormats = ["yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", "yyyy-MM-dd'T'HH:mmzzz"];
    private static readonly string[] LocalFormats = ["yyyy-MM-dd'T'HH:mm:ss.FFFFFFF", "yyyy-MM-dd'T'HH:mm"];

    public static InstantResult Parse(string? text, TimeZoneInfo defaultZone)
    {
        ArgumentNullException.ThrowIfNull(defaultZone);
        var trimmed = (text ?? "").Trim();
        var body = trimmed;
        var zone = defaultZone;
        string? zoneId = null;
        if (body.EndsWith(']') && body.IndexOf('[', StringComparison.Ordinal) is > 0 and var open)
        {
            zoneId = body[(open + 1)..^1];
            body = body[..open];
        }
        else if (body.IndexOf('@', StringComparison.Ordinal) is > 0 and var at)
        {
            zoneId = body[(at + 1)..];
            body = body[..at];
        }
        if (zoneId is not null && !TimeZoneInfo.TryFindSystemTimeZoneById(zoneId, out zone))
        {
            return InstantResult.Fail($"\"{trimmed}\" names an unknown time zone \"{zoneId}\" (expected an IANA id such as Europe/Berlin)");
        }
        var styles = DateTimeStyles.AllowWhiteSpaces;
        if (body.EndsWith('Z') || body.EndsWith('z'))
        {
            body = body[..^1] + "+00:00";
        }
        if (DateTimeOffset.TryParseExact(body, OffsetFormats, CultureInfo.InvariantCulture, styles, out var withOffset))
        {
            return InstantResult.Ok(ZonedTime.ToZone(withOffset, zone!));
        }
        if (DateTime.TryParseExact(body, LocalFormats, CultureInfo.InvariantCulture, styles, out var local))
        {
            return InstantResult.Ok(ZonedTime.Resolve(local, zone!));
        }
        return InstantResult.Fail(
            $"\"{trimmed}\" is not an ISO 8601 date-time (expected e.g. 2026-12-01T09:00:00Z, 2026-12-01T09:00:00+08:00 or 2026-12-01T09:00:00@Asia/Shanghai)");
    }
}
