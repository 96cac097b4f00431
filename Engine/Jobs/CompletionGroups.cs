using System.Text.Json.Nodes;
using System.Threading.Channels;
using Processes.Engine.Execution;

namespace Processes.Engine.Jobs;

/// <summary>
/// Commits the executor's job completions in groups, as the scheduler fires timers: the completions that arrived
/// while the previous groups were committing are split into up to <see cref="ParallelGroups"/> groups of at least
/// <see cref="MinGroupSize"/> and about <see cref="GroupSize"/> at most (all completions of one instance in the same group, so groups never race for an instance)
/// and each group is one transaction (<see cref="ProcessEngine.CompleteJobsAsync"/>). Nothing waits to fill a group:
/// at low load a completion goes alone, at once, as one command. A group that fails as a whole (a conflict after
/// retries, a runaway model, a result over the limits) is done again one completion per command, so one bad
/// completion never holds back the others. Exactly-once holds as for single commands: the instance's optimistic
/// version check lets one completion of a job win and the job row is gone for every later one.
/// </summary>
internal sealed class CompletionGroups(ProcessEngine engine)
{
    public const int GroupSize = 32;
    public const int ParallelGroups = 4;
    public const int MinGroupSize = 8;

    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>Completes the job in the next group; after <see cref="Stop"/> as a command of its own.</summary>
    public Task<CommandResult<bool>> CompleteAsync(long jobKey, long processInstanceKey, JsonObject? variables, CancellationToken cancellationToken)
    {
        var pending = new Pending(jobKey, processInstanceKey, variables, new TaskCompletionSource<CommandResult<bool>>(TaskCreationOptions.RunContinuationsAsynchronously));
        return _queue.Writer.TryWrite(pending) ? pending.Done.Task : engine.CompleteJobAsync(jobKey, variables, cancellationToken);
    }

    /// <summary>No more groups: what is queued is still committed, then <see cref="RunAsync"/> returns.</summary>
    public void Stop() => _queue.Writer.TryComplete();

    /// <summary>Commits groups until <see cref="Stop"/> and the queue is empty. Not cancellable on purpose: a handler waits for its answer.</summary>
    public async Task RunAsync()
    {
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync(CancellationToken.None))
        {
            var taken = new List<Pending>();
            while (taken.Count < GroupSize * ParallelGroups && reader.TryRead(out var next))
            {
                taken.Add(next);
            }
            await Task.WhenAll(Split(taken).Select(RunGroupAsync));
        }
    }

    /// <summary>Whole instances into the emptiest group, largest first; one instance's completions never span two groups.</summary>
    internal static List<List<T>> Split<T>(IReadOnlyList<T> items, Func<T, long> instanceOf, int groups)
    {
        var buckets = Enumerable.Range(0, Math.Min(groups, items.Count)).Select(_ => new List<T>()).ToList();
        foreach (var instance in items.GroupBy(instanceOf).OrderByDescending(g => g.Count()))
        {
            buckets.MinBy(b => b.Count)!.AddRange(instance);
        }
        return [.. buckets.Where(b => b.Count > 0)];
    }

    // A group costs about the same statements and one commit whatever its size, so the taken completions fill groups of
    // at least MinGroupSize before a second transaction is opened (up to ParallelGroups when many are waiting).
    private static List<List<Pending>> Split(List<Pending> taken) =>
        Split(taken, p => p.ProcessInstanceKey, Math.Clamp((taken.Count + MinGroupSize - 1) / MinGroupSize, 1, ParallelGroups));

    private async Task RunGroupAsync(List<Pending> group)
    {
        if (group.Count > 1)
        {
            try
            {
                // Durability point (inside the engine): every completion of the group and its next steps commit together.
                var result = await engine.CompleteJobsAsync([.. group.Select(p => (p.JobKey, p.Variables))], CancellationToken.None);
                if (result.Ok)
                {
                    for (var i = 0; i < group.Count; i++)
                    {
                        group[i].Done.TrySetResult(result.Value![i]);
                    }
                    return;
                }
            }
#pragma warning disable CA1031 // the fallback below reports each completion's own outcome or exception
            catch (Exception)
#pragma warning restore CA1031
            {
            }
        }
        foreach (var pending in group)
        {
            try
            {
                pending.Done.TrySetResult(await engine.CompleteJobAsync(pending.JobKey, pending.Variables, CancellationToken.None));
            }
#pragma warning disable CA1031 // the handler's report sees it, as it would have seen it from its own command
            catch (Exception e)
#pragma warning restore CA1031
            {
                pending.Done.TrySetException(e);
            }
        }
    }

    private sealed record Pending(long JobKey, long ProcessInstanceKey, JsonObject? Variables, TaskCompletionSource<CommandResult<bool>> Done);
}
