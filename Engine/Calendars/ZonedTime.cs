namespace Processes.Engine.Calendars;

/// <summary>Wall-clock readings in a time zone to instants and back, resolving DST gaps and overlaps as java.time does.</summary>
internal static class ZonedTime
{
    /// <summary>
    /// The instant a wall-clock reading denotes. A reading inside a spring-forward gap is moved forward by the
    /// gap's length (02:30 on a 02:00→03:00 night is 03:30), and one inside a fall-back overlap takes the earlier
    /// instant: the same choices Zeebe makes, so a model behaves alike on both engines.
    /// </summary>
    public static DateTimeOffset Resolve(DateTime local, TimeZoneInfo zone, TimeSpan? preferredOffset = null)
    {
        local = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        if (zone.IsInvalidTime(local))
        {
            // Offsets never change twice within hours, so six hours earlier is safely before the gap.
            var before = zone.GetUtcOffset(local.AddHours(-6));
            return ToZone(new DateTimeOffset(local, before), zone);
        }
        if (zone.IsAmbiguousTime(local))
        {
            var offsets = zone.GetAmbiguousTimeOffsets(local);
            var chosen = preferredOffset is { } preferred && offsets.Contains(preferred) ? preferred : offsets.Max();
            return new DateTimeOffset(local, chosen);
        }
        return new DateTimeOffset(local, zone.GetUtcOffset(local));
    }

    /// <summary>The same instant expressed with the zone's offset in force at it.</summary>
    public static DateTimeOffset ToZone(DateTimeOffset instant, TimeZoneInfo zone) => TimeZoneInfo.ConvertTime(instant, zone);

    public static DateOnly LocalDate(DateTimeOffset instant, TimeZoneInfo zone) => DateOnly.FromDateTime(ToZone(instant, zone).DateTime);
}
