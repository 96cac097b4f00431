namespace Processes.Engine.Storage;

/// <summary>The state of a user task (<c>user_task.state</c>).</summary>
public enum UserTaskState
{
    Created,
    Completed,
    Canceled,
}

/// <summary>The state of a process instance (<c>process_instance.state</c>).</summary>
public enum ProcessInstanceState
{
    Active,
    Completed,
    Terminated,
}

/// <summary>The state of a job (<c>job.state</c>); FAILED means out of retries, with an incident.</summary>
public enum JobState
{
    Activatable,
    Activated,
    Failed,
}

/// <summary>The state of an incident (<c>incident.state</c>).</summary>
public enum IncidentState
{
    Active,
    Resolved,
}

/// <summary>
/// The column text of the states. The tables store upper-case names (Camunda's spelling in the API), so the
/// enums and the stored text map one to one and nothing outside the stores compares strings.
/// </summary>
internal static class StoredStates
{
    public static string ToStored(this UserTaskState state) => Upper(state);

    public static string ToStored(this ProcessInstanceState state) => Upper(state);

    public static string ToStored(this JobState state) => Upper(state);

    public static string ToStored(this IncidentState state) => Upper(state);

    /// <summary>Reads a stored state; an unknown text is a schema mismatch, not a value to guess.</summary>
    public static T Parse<T>(string stored) where T : struct, Enum =>
        Enum.TryParse<T>(stored, ignoreCase: true, out var state) && Enum.IsDefined(state)
            ? state
            : throw new InvalidOperationException($"'{stored}' is not a stored {typeof(T).Name}.");

    private static string Upper<T>(T state) where T : struct, Enum => state.ToString().ToUpperInvariant();
}
