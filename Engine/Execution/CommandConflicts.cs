namespace Processes.Engine.Execution;

/// <summary>
/// How often commands lost an optimistic-version race: <see cref="Retried"/> counts re-runs after a lost race,
/// <see cref="Reported"/> the commands that ran out of attempts and answered <see cref="CommandError.Conflict"/>.
/// A steadily rising <see cref="Reported"/> means callers hammer one instance; the race tests read both to show the
/// retry path really ran.
/// </summary>
internal sealed class CommandConflicts
{
    private long _retried;
    private long _reported;

    public long Retried => Interlocked.Read(ref _retried);

    public long Reported => Interlocked.Read(ref _reported);

    internal void CountRetry() => Interlocked.Increment(ref _retried);

    internal void CountReported() => Interlocked.Increment(ref _reported);
}
