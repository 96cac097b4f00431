using System.Globalization;
using System.Xml;
using Processes.Engine.Bpmn.Executable;

namespace Processes.Engine.Execution;

/// <summary>A timer's next due time and how many times it still fires (-1: without end).</summary>
internal readonly record struct TimerDue(DateTimeOffset DueAt, int Repetitions);

/// <summary>
/// Turns an evaluated timer definition into due times: ISO 8601 dates, durations and repeating intervals.
/// </summary>
internal static class TimerCalculator
{
    public static Evaluated<TimerDue> First(TimerKind kind, string text, DateTimeOffset now)
    {
        text = text.Trim();
        switch (kind)
        {
            case TimerKind.Date:
                return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date)
                    ? new(new TimerDue(date, 1), null)
                    : Evaluated<TimerDue>.Fail($"'{text}' is not an ISO 8601 date and time (expected e.g. 2026-12-01T09:00:00Z).");
            case TimerKind.Duration:
                return Duration(text) is { } duration
                    ? new(new TimerDue(now + duration, 1), null)
                    : Evaluated<TimerDue>.Fail($"'{text}' is not an ISO 8601 duration (expected e.g. PT4H or P1DT2H).");
            default:
                return Cycle(text, now, first: true);
        }
    }

    /// <summary>The next firing of a cycle after one fired at <paramref name="firedAt"/>.</summary>
    public static Evaluated<TimerDue> Next(string text, DateTimeOffset firedAt, int repetitionsLeft)
    {
        var cycle = Cycle(text, firedAt, first: false);
        return cycle.Ok ? new(cycle.Value with { Repetitions = repetitionsLeft }, null) : cycle;
    }

    private static Evaluated<TimerDue> Cycle(string text, DateTimeOffset from, bool first)
    {
        var parts = text.Split('/');
        if (parts.Length is < 2 or > 3 || !parts[0].StartsWith('R'))
        {
            return Evaluated<TimerDue>.Fail($"'{text}' is not an ISO 8601 repeating interval (expected e.g. R5/PT10M or R/P1D).");
        }
        var repetitions = parts[0].Length == 1 ? -1
            : int.TryParse(parts[0][1..], NumberStyles.None, CultureInfo.InvariantCulture, out var r) ? r : int.MinValue;
        var interval = Duration(parts[^1]);
        if (repetitions == int.MinValue || interval is null || interval <= TimeSpan.Zero)
        {
            return Evaluated<TimerDue>.Fail($"'{text}' is not an ISO 8601 repeating interval (expected e.g. R5/PT10M or R/P1D).");
        }
        if (parts.Length == 3 && first)
        {
            if (!DateTimeOffset.TryParse(parts[1], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var start))
            {
                return Evaluated<TimerDue>.Fail($"'{parts[1]}' in '{text}' is not an ISO 8601 start date and time.");
            }
            return new(new TimerDue(start > from ? start : from + interval.Value, repetitions), null);
        }
        return new(new TimerDue(from + interval.Value, repetitions), null);
    }

    private static TimeSpan? Duration(string text)
    {
        if (!text.StartsWith('P') || text.Contains('-', StringComparison.Ordinal))
        {
            return null;
        }
        try
        {
            return XmlConvert.ToTimeSpan(text);
        }
        catch (FormatException)
        {
            return null;
        }
        catch (OverflowException)
        {
            return null;
        }
    }
}
