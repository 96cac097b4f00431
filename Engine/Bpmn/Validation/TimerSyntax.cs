using System.Globalization;
using System.Text.RegularExpressions;
using Processes.Engine.Bpmn.Executable;

namespace Processes.Engine.Bpmn.Validation;

/// <summary>
/// Syntax of static timer values (FEEL timers are checked when evaluated): ISO 8601 date-times, durations,
/// repeating intervals, and cron text. Only the shape is checked here; the scheduler owns the semantics.
/// </summary>
internal static partial class TimerSyntax
{
    /// <summary>Null when <paramref name="value"/> fits <paramref name="kind"/>, else what a designer should write.</summary>
    public static string? Check(TimerKind kind, string value) => kind switch
    {
        TimerKind.Date => IsDate(value) ? null
            : $"'{value}' is not an ISO 8601 date-time such as 2026-01-01T00:00:00Z.",
        TimerKind.Duration => IsDuration(value) ? null
            : $"'{value}' is not an ISO 8601 duration such as PT4H or P1D.",
        TimerKind.Cycle => IsCycle(value) ? null
            : $"'{value}' is not a timer cycle: use an ISO 8601 repeating interval such as R5/PT10M or a cron expression such as '0 0 9 * * MON-FRI'.",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    public static bool IsDate(string value)
    {
        // Zoned date-times may carry a region in brackets (2026-01-01T10:00:00+01:00[Europe/Berlin]).
        var text = value.Trim();
        var bracket = text.IndexOf('[', StringComparison.Ordinal);
        if (bracket > 0 && text.EndsWith(']'))
        {
            text = text[..bracket];
        }
        return IsoDateTime().IsMatch(text)
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out _);
    }

    public static bool IsDuration(string value) => IsoDuration().IsMatch(value.Trim()) && !value.Trim().EndsWith('T');

    public static bool IsCycle(string value)
    {
        var text = value.Trim();
        if (text.StartsWith('R'))
        {
            var parts = text.Split('/');
            if (!RepeatCount().IsMatch(parts[0]))
            {
                return false;
            }
            return parts.Length switch
            {
                2 => IsDuration(parts[1]),
                3 => (IsDate(parts[1]) && IsDuration(parts[2])) || (IsDuration(parts[1]) && IsDate(parts[2])),
                _ => false,
            };
        }
        return IsCron(text);
    }

    /// <summary>Quartz/Spring style: 6 or 7 fields (seconds first, optional year).</summary>
    public static bool IsCron(string value)
    {
        var fields = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return fields.Length is 6 or 7 && fields.All(f => CronField().IsMatch(f));
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")]
    private static partial Regex IsoDateTime();

    [GeneratedRegex(@"^-?P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(\d+H)?(\d+M)?(\d+([.,]\d+)?S)?)?$")]
    private static partial Regex IsoDuration();

    [GeneratedRegex(@"^R\d*$")]
    private static partial Regex RepeatCount();

    [GeneratedRegex(@"^[0-9A-Za-z*?/,\-#]+$")]
    private static partial Regex CronField();
}
