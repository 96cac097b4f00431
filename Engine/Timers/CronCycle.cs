using System.Globalization;
using System.Text.RegularExpressions;
using Quartz;

namespace Processes.Engine.Timers;

/// <summary>
/// Cron time cycles as Zeebe accepts them (Spring's six fields: second minute hour day-of-month month
/// day-of-week), rewritten to the Quartz dialect and evaluated by <see cref="CronExpression"/>.
/// </summary>
/// <remarks>
/// The two dialects differ in two places. Spring numbers weekdays 0–7 with 0 and 7 both Sunday and 1 Monday;
/// Quartz numbers 1–7 from Sunday. And Quartz wants <c>?</c> in one of the two day fields, where Spring writes
/// <c>*</c>. Names (MON-FRI), <c>L</c>, <c>W</c>, <c>#</c> and the <c>@daily</c>-style macros mean the same in both.
/// </remarks>
internal static partial class CronCycle
{
    [GeneratedRegex(@"(?<=^|[,\-])\d+")]
    private static partial Regex DayOfWeekNumber();

    /// <summary>The Quartz form of a Spring cron expression, or why it cannot be one.</summary>
    public static (string? Quartz, string? Error) Normalise(string text)
    {
        var trimmed = text.Trim();
        if (trimmed.StartsWith('@'))
        {
            return (trimmed.ToLowerInvariant(), null);
        }
        var fields = trimmed.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length != 6)
        {
            return (null, $"\"{trimmed}\" has {fields.Length} fields; a cron cycle has six: second minute hour day-of-month month day-of-week (e.g. 0 0 9 * * MON-FRI)");
        }
        var dayOfMonth = fields[3];
        // Spring 0/7 = Sunday, 1 = Monday … 6 = Saturday; Quartz 1 = Sunday … 7 = Saturday. Numbers after / or # are steps and ordinals, not days.
        string? outOfRange = null;
        var dayOfWeek = DayOfWeekNumber().Replace(fields[5], m =>
        {
            if (int.TryParse(m.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var day) && day <= 7)
            {
                return (day % 7 + 1).ToString(CultureInfo.InvariantCulture);
            }
            outOfRange ??= m.Value;
            return m.Value;
        });
        if (outOfRange is not null)
        {
            return (null, $"\"{trimmed}\" names day-of-week {outOfRange}; days are 0-7 (0 and 7 are Sunday) or SUN-SAT");
        }
        switch (dayOfMonth, dayOfWeek)
        {
            case ("?", "?"):
                return (null, $"\"{trimmed}\" has ? in both day-of-month and day-of-week; one of them must name days (use *)");
            case ("?", _) or (_, "?"):
                break;
            case (_, "*"):
                dayOfWeek = "?";
                break;
            case ("*", _):
                dayOfMonth = "?";
                break;
            default:
                return (null, $"\"{trimmed}\" restricts both day-of-month and day-of-week; restrict one and write * in the other");
        }
        return ($"{fields[0]} {fields[1]} {fields[2]} {dayOfMonth} {fields[4]} {dayOfWeek}", null);
    }

    /// <summary>Parses a Spring-style cron cycle into a Quartz expression resolved in <paramref name="zone"/>.</summary>
    public static (CronExpression? Cron, string? Error) Parse(string text, TimeZoneInfo zone)
    {
        var (quartz, error) = Normalise(text);
        if (quartz is null)
        {
            return (null, error);
        }
        if (CronExpression.TryParse(quartz, out var cron))
        {
            return (cron.WithTimeZone(zone), null);
        }
        return (null, $"\"{text.Trim()}\" is not a valid cron expression: {QuartzReason(quartz)} (expected six fields, e.g. 0 0 9 * * MON-FRI)");
    }

    private static string QuartzReason(string quartz)
    {
        try
        {
            CronExpression.Parse(quartz);
            return "rejected";
        }
        catch (FormatException e)
        {
            // Quartz explains a bad field only through the exception of Parse; TryParse already told us it fails.
            return e.Message;
        }
    }
}
