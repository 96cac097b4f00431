namespace Processes.Engine.Cluster;

/// <summary>An auto-reset signal a loop sleeps on: set wakes the current (or next) wait once.</summary>
internal sealed class Wakeup
{
    private readonly object _gate = new();
    private TaskCompletionSource _signal = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Set()
    {
        lock (_gate)
        {
            _signal.TrySetResult();
        }
    }

    /// <summary>Waits until set or until <paramref name="timeout"/>; true when woken by <see cref="Set"/>.</summary>
    public async Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        Task signal;
        lock (_gate)
        {
            signal = _signal.Task;
        }
        if (!signal.IsCompleted && timeout > TimeSpan.Zero)
        {
            await Task.WhenAny(signal, Task.Delay(timeout, cancellationToken)).ConfigureAwait(false);
        }
        lock (_gate)
        {
            if (!_signal.Task.IsCompleted)
            {
                return false;
            }
            _signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return true;
        }
    }
}
