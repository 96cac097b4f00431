using System.Diagnostics;
using System.Diagnostics.Metrics;
using Processes.Engine.Execution;
using Processes.Engine.Execution.State;

namespace Processes.Engine.Telemetry;

/// <summary>
/// The engine's own signals for operators, on the platform's APIs (no exporter here: the host wires OpenTelemetry
/// to the meter and activity source by their <see cref="Name"/>). One span per command (its name, the process id,
/// instance and element it touched), and counters and histograms recorded after each commit — so a command that
/// rolled back counts as a refusal or conflict, never as the work it would have done.
/// </summary>
public static class EngineTelemetry
{
    /// <summary>The meter and the activity source of the engine.</summary>
    public const string Name = "Processes.Engine";

    public static ActivitySource Source { get; } = new(Name, "1.0");

    private static readonly Meter Meter = new(Name, "1.0");
    private static readonly Counter<long> Commands = Meter.CreateCounter<long>("processes.engine.commands", "{command}", "Engine commands by name and outcome.");
    private static readonly Histogram<double> CommandDuration = Meter.CreateHistogram<double>("processes.engine.command.duration", "s",
        "How long engine commands take, retries included.");
    private static readonly Counter<long> JobsActivated = Meter.CreateCounter<long>("processes.engine.jobs.activated", "{job}", "Jobs handed to workers, by type.");
    private static readonly Counter<long> JobsCompleted = Meter.CreateCounter<long>("processes.engine.jobs.completed", "{job}", "Jobs completed, by type.");
    private static readonly Counter<long> JobsFailed = Meter.CreateCounter<long>("processes.engine.jobs.failed", "{job}",
        "Job failures and thrown errors reported by workers, by type.");
    private static readonly Counter<long> TimersFired = Meter.CreateCounter<long>("processes.engine.timers.fired", "{timer}", "Timers fired.");
    private static readonly Histogram<double> TimerLateness = Meter.CreateHistogram<double>("processes.engine.timer.lateness", "s",
        "How late timers fire after their due time.");
    private static readonly Counter<long> InstancesStarted = Meter.CreateCounter<long>("processes.engine.instances.started", "{instance}", "Process instances started, by process id.");
    private static readonly Counter<long> InstancesCompleted = Meter.CreateCounter<long>("processes.engine.instances.completed", "{instance}",
        "Process instances completed, by process id.");
    private static readonly Counter<long> IncidentsCreated = Meter.CreateCounter<long>("processes.engine.incidents.created", "{incident}", "Incidents raised.");
    private static readonly Counter<long> SlaBreaches = Meter.CreateCounter<long>("processes.engine.sla.breaches", "{task}",
        "Open user tasks seen past their due date (each breach once), by process id.");
    private static readonly Counter<long> IncidentsResolved = Meter.CreateCounter<long>("processes.engine.incidents.resolved", "{incident}", "Incidents resolved.");

    /// <summary>The last counts of <see cref="OperationsGauges"/>, read by the observable gauges (null: not measured yet).</summary>
    private static OperationsSnapshot? _snapshot;

    static EngineTelemetry()
    {
        Meter.CreateObservableGauge("processes.engine.incidents.open", () => Observe(s => s.OpenIncidents), "{incident}", "Incidents open now.");
        Meter.CreateObservableGauge("processes.engine.jobs.due", () => Observe(s => s.DueJobs), "{job}", "Jobs waiting for a worker (queue depth).");
        Meter.CreateObservableGauge("processes.engine.timers.due", () => Observe(s => s.DueTimers), "{timer}", "Timers past their due time, not fired yet.");
        Meter.CreateObservableGauge("processes.engine.tasks.overdue", () => Observe(s => s.OverdueTasks), "{task}", "Open user tasks past their due date (SLA breached).");
    }

    internal static void Publish(OperationsSnapshot snapshot) => _snapshot = snapshot;

    private static IEnumerable<Measurement<long>> Observe(Func<OperationsSnapshot, long> value) =>
        _snapshot is { } snapshot ? [new Measurement<long>(value(snapshot))] : [];

    internal static Activity? StartCommand(string name)
    {
        var activity = Source.StartActivity($"engine {name}");
        activity?.SetTag("processes.command", name);
        return activity;
    }

    /// <summary>The command's outcome on its span and in the counters; after a commit, what the change set did.</summary>
    internal static void Finish(Activity? activity, string name, string outcome, TimeSpan elapsed, Processes.Engine.Execution.Execution? committed)
    {
        Commands.Add(1, new KeyValuePair<string, object?>("command", name), new KeyValuePair<string, object?>("outcome", outcome));
        CommandDuration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("command", name));
        if (activity is not null)
        {
            activity.SetTag("processes.outcome", outcome);
            if (outcome != "ok")
            {
                activity.SetStatus(ActivityStatusCode.Error, outcome);
            }
        }
        if (committed is null)
        {
            return;
        }
        var changes = committed.Changes;
        if (activity is not null && changes.History.FirstOrDefault() is { } first)
        {
            activity.SetTag("processes.instance.key", first.ProcessInstanceKey);
            if (committed.Instances.TryGetValue(first.ProcessInstanceKey, out var instance))
            {
                activity.SetTag("processes.process.id", instance.Row.BpmnProcessId);
            }
            activity.SetTag("processes.element.id", changes.History.FirstOrDefault(h => h.ElementId is not null)?.ElementId);
        }
        foreach (var row in changes.History)
        {
            var process = committed.Instances.TryGetValue(row.ProcessInstanceKey, out var owner) ? owner.Row.BpmnProcessId : null;
            var tag = new KeyValuePair<string, object?>("process", process);
            switch (row.Event)
            {
                case HistoryEvents.ProcessInstanceCreated:
                    InstancesStarted.Add(1, tag);
                    break;
                case HistoryEvents.ProcessInstanceCompleted:
                    InstancesCompleted.Add(1, tag);
                    break;
            }
        }
        foreach (var note in changes.Telemetry)
        {
            var type = new KeyValuePair<string, object?>("type", note.Tag);
            switch (note.Kind)
            {
                case TelemetryKind.JobCompleted:
                    JobsCompleted.Add(1, type);
                    break;
                case TelemetryKind.JobFailed:
                    JobsFailed.Add(1, type);
                    break;
                case TelemetryKind.TimerFired:
                    TimersFired.Add(1);
                    TimerLateness.Record(Math.Max(0, note.Value));
                    break;
            }
        }
        if (changes.NewIncidents.Count > 0)
        {
            IncidentsCreated.Add(changes.NewIncidents.Count);
        }
        if (changes.ResolvedIncidents.Count > 0)
        {
            IncidentsResolved.Add(changes.ResolvedIncidents.Count);
        }
    }

    internal static void SlaBreached(string? process, int count) =>
        SlaBreaches.Add(count, new KeyValuePair<string, object?>("process", process));

    internal static void Activated(string type, int count)
    {
        if (count > 0)
        {
            JobsActivated.Add(count, new KeyValuePair<string, object?>("type", type));
        }
    }
}

/// <summary>What a command did that its history rows do not name with the tag the metrics need.</summary>
internal enum TelemetryKind
{
    JobCompleted,
    JobFailed,
    TimerFired,
}

/// <summary>One note of a command for the metrics: a job's type, a timer's lateness in seconds.</summary>
internal sealed record TelemetryNote(TelemetryKind Kind, string? Tag, double Value = 0);

/// <summary>Counts of the operational tables at one moment (see <see cref="OperationsGauges"/>).</summary>
internal sealed record OperationsSnapshot(long OpenIncidents, long DueJobs, long DueTimers, long OverdueTasks);
