namespace Processes.Engine.Reports;

/// <summary>How report rows are grouped.</summary>
public enum ReportDimension
{
    /// <summary>By BPMN process id.</summary>
    Process,

    /// <summary>By process id and user-task element (a step of a process).</summary>
    Step,

    /// <summary>By candidate group (a task offered to two groups counts in both).</summary>
    Group,

    /// <summary>By the period the task was created in (see <see cref="ReportFilter.Period"/>).</summary>
    Period,

    /// <summary>By assignee (the agent holding or who held the task).</summary>
    Agent,
}

/// <summary>The length of a period row.</summary>
public enum ReportPeriod
{
    Day,
    Week,
    Month,
}

/// <summary>
/// What a report covers: the tasks (or instances) created in [<see cref="From"/>, <see cref="To"/>), optionally of
/// one process and one candidate group. Reports count a cohort: "open" means created in the range and still open.
/// </summary>
public sealed record ReportFilter(DateTimeOffset From, DateTimeOffset To, string? ProcessId = null, string? Group = null,
    ReportPeriod Period = ReportPeriod.Day)
{
    /// <summary>The widest range one report may cover (a request beyond it is refused, not truncated).</summary>
    public static TimeSpan MaximumRange { get; } = TimeSpan.FromDays(400);
}

/// <summary>
/// SLA compliance of one row: tasks with a due date (counted in the business calendar the model names, so in
/// working time) that were completed by it (<see cref="Met"/>), completed by it or still open after the 75 % warning
/// (<see cref="Warned"/>), completed after it or open past it (<see cref="Breached"/>), or open and not yet warned (<see cref="Open"/>).
/// Tasks cancelled before their due date count nowhere.
/// </summary>
public sealed record SlaRow(string Key, long Met, long Warned, long Breached, long Open)
{
    public long Total => Met + Warned + Breached + Open;

    /// <summary>Of the tasks decided so far (met, warned or breached), the share not breached, in percent; null when none.</summary>
    public double? CompliancePercent => Met + Warned + Breached == 0 ? null : Math.Round(100.0 * (Met + Warned) / (Met + Warned + Breached), 1);

    /// <summary>Tasks whose SLA was paused and resumed (waiting on the customer or a third party): time that did not count against it.</summary>
    public long Paused { get; init; }

    /// <summary>The paused time of those tasks added up, wall-clock and working time of their SLA calendar, in seconds.</summary>
    public long PausedSeconds { get; init; }

    public long PausedWorkingSeconds { get; init; }
}

/// <summary>One bar of a duration histogram: tasks whose duration is at most <see cref="UpToSeconds"/> (null: the rest).</summary>
public sealed record DurationBucket(string Label, double? UpToSeconds, long Count);

/// <summary>
/// A distribution of task durations: <c>firstResponse</c> (creation to the first time someone held the task) or
/// <c>resolution</c> (creation to completion), in seconds of wall-clock time.
/// </summary>
public sealed record DurationDistribution(string Measure, long Count, double? AverageSeconds, double? MedianSeconds, double? P90Seconds, double? MaxSeconds,
    IReadOnlyList<DurationBucket> Buckets);

/// <summary>
/// Workload of one agent or group: tasks created in the range that are still open, those completed, and the
/// average handling time of the completed ones (first time held to completion).
/// </summary>
public sealed record WorkloadRow(string Key, long Open, long Completed, double? AverageHandlingSeconds);

/// <summary>
/// One kind of hand-over with one reason: <c>transfer</c> and <c>escalation</c> (the task's outcome, see
/// <see cref="ReportVocabulary"/>), <c>reassignment</c> (the task passed from one person to another, with the reason given).
/// </summary>
public sealed record HandoverRow(string Kind, string Reason, long Count);

/// <summary>Hand-overs of the tasks completed in the range, and their rates over those tasks (percent).</summary>
public sealed record HandoverReport(long CompletedTasks, IReadOnlyList<HandoverRow> Rows)
{
    public double? RateOf(string kind) => CompletedTasks == 0 ? null
        : Math.Round(100.0 * Rows.Where(r => r.Kind == kind).Sum(r => r.Count) / CompletedTasks, 1);
}

/// <summary>Exception orders of one problem type and detail: started in the range, still open, closed, average time to close.</summary>
public sealed record ExceptionOrderRow(string ProblemType, string ProblemDetail, long Total, long Open, long Closed, double? AverageResolutionSeconds);

/// <summary>
/// One element of a process definition on the heatmap: how many element instances ran it, how many are still in it,
/// the average and 90th-percentile time spent in the finished ones, and the SLA breaches of its user tasks.
/// </summary>
public sealed record HeatmapElement(string ElementId, long Count, long Active, double? AverageSeconds, double? P90Seconds, long SlaBreaches);

/// <summary>
/// The variables that carry a task's outcome and its reasons (what the completing agent chose in the form): as
/// shipped, the work ticket's <c>ticketOutcome</c> (<c>transferred</c> with <c>transferReason</c>, <c>escalated</c>
/// with <c>escalateTo</c>) and the exception order's <c>problemType</c>/<c>problemDetail</c>.
/// </summary>
public sealed record ReportVocabulary(string OutcomeVariable, string TransferValue, string TransferReasonVariable, string EscalationValue,
    string EscalationReasonVariable, string ExceptionProcessId, string ProblemTypeVariable, string ProblemDetailVariable)
{
    public static ReportVocabulary Shipped { get; } = new("ticketOutcome", "transferred", "transferReason", "escalated", "escalateTo",
        "exception-order", "problemType", "problemDetail");
}
