using System.Threading;
using Dbos.SystemDatabase;

namespace Dbos.Internal;

/// <summary>
/// How a running execution learns that it must stop before its next checkpoint write is refused: the workflow was cancelled
/// (by a call, a tool, or its timeout), resumed or deleted, or another execution took it over. This process signals its own
/// executions at once; changes made by other processes are noticed by the runtime's watcher while the execution waits
/// (<see cref="Watch"/>). Waiting durable calls end, a step's <see cref="System.Threading.CancellationToken"/> fires, and the
/// next operation throws <see cref="StoppedError"/> without running.
/// </summary>
internal sealed partial class WorkflowContext
{
    private readonly CancellationTokenSource _stop = new();
    private int _watchers;
    private int _stopped;
    private string? _stoppedStatus;

    /// <summary>The start-to-close deadline (epoch milliseconds), or null; the children started here inherit it.</summary>
    public long? DeadlineEpochMs { get; init; }

    /// <summary>The timeout the deadline came from (<c>workflow_timeout_ms</c>), or null.</summary>
    public long? TimeoutMs { get; init; }

    /// <summary>When this execution began (<see cref="System.Diagnostics.Stopwatch"/> timestamp), for the duration metric.</summary>
    public long StartedTimestamp { get; set; }

    /// <summary>Fires when this execution must stop.</summary>
    public CancellationToken StopToken => _stop.Token;

    public bool IsStopped => Volatile.Read(ref _stopped) == 1;

    /// <summary>Whether something waits on this execution and needs changes made by other processes noticed.</summary>
    public bool IsWatched => Volatile.Read(ref _watchers) > 0;

    /// <summary>Stops the execution; <paramref name="status"/> is the workflow's status now (null when it was deleted).
    /// Callbacks run on the thread pool, never on the caller's thread.</summary>
    public void Stop(string? status)
    {
        if (Interlocked.CompareExchange(ref _stopped, 1, 0) == 0)
        {
            _stoppedStatus = status;
            _ = _stop.CancelAsync();
        }
    }

    /// <summary>What a stopped execution throws: the error a refused checkpoint write would raise.</summary>
    public DbosException StoppedError() => WorkflowFence.Refused(WorkflowId, Volatile.Read(ref _stopped) == 1 ? _stoppedStatus : WorkflowStatuses.Cancelled);

    public void ThrowIfStopped()
    {
        if (IsStopped)
        {
            throw StoppedError();
        }
    }

    /// <summary>Marks the execution watched (a durable wait, a cancellable step, an awaiting handle) until disposed.</summary>
    public WatchScope Watch()
    {
        Interlocked.Increment(ref _watchers);
        return new WatchScope(this);
    }

    internal readonly struct WatchScope(WorkflowContext context) : System.IDisposable
    {
        public void Dispose() => Interlocked.Decrement(ref context._watchers);
    }
}
