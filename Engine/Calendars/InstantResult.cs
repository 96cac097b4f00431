namespace Processes.Engine.Calendars;

/// <summary>
/// An instant, or why none could be computed (e.g. no working time within the search horizon). Expected
/// outcomes of calendar arithmetic are values, so a timer can raise an incident instead of crashing a command.
/// </summary>
internal readonly record struct InstantResult
{
    private InstantResult(DateTimeOffset instant, string? error)
    {
        Instant = instant;
        Error = error;
    }

    /// <summary>The computed instant; meaningless when <see cref="Error"/> is set.</summary>
    public DateTimeOffset Instant { get; }

    public string? Error { get; }

    public bool IsSuccess => Error is null;

    public static InstantResult Ok(DateTimeOffset instant) => new(instant, null);

    public static InstantResult Fail(string error) => new(default, error);

    public override string ToString() => Error ?? Instant.ToString("O", System.Globalization.CultureInfo.InvariantCulture);
}
