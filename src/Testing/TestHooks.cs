using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Dbos.Internal;

namespace Dbos.Testing;

/// <summary>The environment's view into its runtimes: which step bodies ran, which executions wait on time (for auto-skip),
/// where a simulated crash stops the process, and where a replay reaches the end of the recorded history.</summary>
internal sealed class TestHooks : ExecutionHooks
{
    private readonly object _gate = new();
    private readonly List<Wait> _waits = new();
    private readonly List<Timer> _timers = new();
    private readonly ConcurrentQueue<StepRun> _stepRuns = new();
    private readonly DbosTestClock _clock;
    private readonly SemaphoreSlim _changed = new(0, int.MaxValue);
    private int _awaiting;
    private long _version;
    private ArmedCrash? _crash;

    public TestHooks(DbosTestClock clock) => _clock = clock;

    /// <summary>The runtime now running (replaced at each restart); its active executions are what auto-skip counts.</summary>
    public DbosRuntime? Runtime { get; set; }

    public int Process { get; set; }

    /// <summary>In a replay: an operation past the recorded history stops the workflow there.</summary>
    public bool StopAtEndOfHistory { get; init; }

    public IReadOnlyList<StepRun> StepRuns => _stepRuns.ToArray();

    /// <summary>Called when a workflow's body returns (a replay checks that no recorded operation was left out).</summary>
    public Action<WorkflowContext>? Returned { get; set; }

    public override void BodyReturned(WorkflowContext workflow) => Returned?.Invoke(workflow);

    public void Arm(ArmedCrash crash)
    {
        if (Interlocked.CompareExchange(ref _crash, crash, null) is not null)
        {
            throw new InvalidOperationException("A simulated crash is armed already in this environment: wait for it (RunUntilCrashAsync) before arming another.");
        }
    }

    public void Disarm(ArmedCrash crash) => Interlocked.CompareExchange(ref _crash, null, crash);

    public override ValueTask BeforeStepAsync(WorkflowContext workflow, int functionId, string stepName)
    {
        var crash = CrashIfDueAsync(workflow, CrashMoment.BeforeStep, functionId, stepName);
        if (!crash.IsCompleted)
        {
            return crash; // the process dies before the body runs
        }

        _stepRuns.Enqueue(new StepRun(workflow.WorkflowId, functionId, stepName, Process));
        return default;
    }

    public override ValueTask BeforeCheckpointAsync(WorkflowContext workflow, int functionId, string stepName)
        => CrashIfDueAsync(workflow, CrashMoment.BeforeCheckpoint, functionId, stepName);

    public override ValueTask AfterStepAsync(WorkflowContext workflow, int functionId, string stepName)
        => CrashIfDueAsync(workflow, CrashMoment.AfterStep, functionId, stepName);

    private ValueTask CrashIfDueAsync(WorkflowContext workflow, CrashMoment moment, int functionId, string stepName)
    {
        if (Volatile.Read(ref _crash) is not { } crash || !crash.Point.Matches(moment, functionId, stepName) || !crash.TryHit(workflow.WorkflowId, functionId, stepName))
        {
            return default;
        }

        // The process "dies" here: this execution never goes on, and ends only when the runtime is stopped under it.
        return new ValueTask(Task.Delay(Timeout.Infinite, workflow.Runtime.StoppingToken));
    }

    public override IDisposable? Waiting(WorkflowContext workflow, DateTimeOffset? until)
    {
        var wait = new Wait(this, workflow, until);
        lock (_gate)
        {
            _waits.Add(wait);
            Interlocked.Increment(ref _version);
        }

        _changed.Release();
        return wait;
    }

    public override IDisposable? TimerSet(DateTimeOffset due)
    {
        // Timers do not change the version: a poll that sets the same timer again is no change (a new due time shows in the
        // wake-up time itself).
        var timer = new Timer(this, due);
        lock (_gate)
        {
            _timers.Add(timer);
        }

        _changed.Release();
        return timer;
    }

    public override IDisposable? AwaitingOutcome(string workflowId)
    {
        Interlocked.Increment(ref _awaiting);
        Changed();
        return new Awaiting(this);
    }

    public override void Unrecorded(WorkflowContext workflow, int functionId, string name)
    {
        if (StopAtEndOfHistory)
        {
            throw new EndOfHistoryException(workflow.WorkflowId, functionId, name);
        }
    }

    private void Changed()
    {
        Interlocked.Increment(ref _version);
        _changed.Release();
    }

    /// <summary>Skips time while the environment lives: at each change (and every few milliseconds), when the state is
    /// quiet, jumps the clock to the earliest wake-up time.</summary>
    public async Task RunAutoSkipAsync(CancellationToken stopping)
    {
        var idleSteps = 0;
        long idleVersion = -1;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await _changed.WaitAsync(TimeSpan.FromMilliseconds(20), stopping).ConfigureAwait(false);
                if (NextWakeUp(idleSteps) is not ({ } due, var version, var idle))
                {
                    continue;
                }

                // Settle: a workflow that has just been woken (or started) shows up as busy within this pause.
                await Task.Delay(TimeSpan.FromMilliseconds(2), stopping).ConfigureAwait(false);
                if (NextWakeUp(idleSteps) is ({ } again, var stillVersion, _) && stillVersion == version && again == due)
                {
                    var by = due - _clock.UtcNow;
                    if (by > TimeSpan.Zero)
                    {
                        _clock.Skip(by);
                    }

                    // Idle steps in a row with nothing changing in between: see NextWakeUp.
                    idleSteps = idle && version == idleVersion ? idleSteps + 1 : idle ? 1 : 0;
                    idleVersion = idle ? version : -1;
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>The time to skip to, when a caller waits for an outcome and every running workflow waits, at least one of
    /// them on time (or a background timer is set); with the state's version, so a change in between is noticed, and whether
    /// it is an idle step (nothing runs: the clock moves by the database poll only).</summary>
    private (DateTimeOffset? Due, long Version, bool Idle) NextWakeUp(int idleSteps)
    {
        if (!_clock.AutoSkip || Volatile.Read(ref _awaiting) == 0 || Runtime is not { } runtime)
        {
            return (null, 0, false);
        }

        lock (_gate)
        {
            var version = Interlocked.Read(ref _version);
            DateTimeOffset? timers = null;
            foreach (var timer in _timers)
            {
                timers = Earliest(timers, timer.Due);
            }

            var waiting = _waits.Select(w => w.Workflow).Distinct().ToList();
            var active = runtime.ActiveExecutions;
            if (active == 0)
            {
                // Nothing runs here, yet a caller waits: it polls the database on this clock (at most every second), and so do the
                // queues, so let them look. Once a few such steps changed nothing, only a background timer (a schedule's tick, a
                // delayed workflow's release) can: jump to it.
                var poll = _clock.UtcNow + IdlePoll;
                return timers is { } timer && (timer <= poll || idleSteps >= QuietIdleSteps) ? (timer, version, false) : (poll, version, true);
            }

            if (waiting.Count < active)
            {
                return (null, version, false);
            }

            var due = timers;
            foreach (var wait in _waits)
            {
                due = Earliest(due, wait.Until);
            }

            foreach (var workflow in waiting)
            {
                due = Earliest(due, workflow.DeadlineEpochMs is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null);
            }

            return (due, version, false);
        }
    }

    /// <summary>Idle steps that changed nothing, after which the clock jumps to the next background timer.</summary>
    private const int QuietIdleSteps = 3;

    /// <summary>The longest a runtime waits between two reads of a workflow's outcome from the database.</summary>
    private static readonly TimeSpan IdlePoll = TimeSpan.FromSeconds(1);

    private static DateTimeOffset? Earliest(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a < b ? a : b;

    private sealed class Wait(TestHooks owner, WorkflowContext workflow, DateTimeOffset? until) : IDisposable
    {
        private int _disposed;

        public WorkflowContext Workflow { get; } = workflow;

        public DateTimeOffset? Until { get; } = until;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                lock (owner._gate)
                {
                    owner._waits.Remove(this);
                    Interlocked.Increment(ref owner._version);
                }

                owner._changed.Release();
            }
        }
    }

    private sealed class Timer(TestHooks owner, DateTimeOffset due) : IDisposable
    {
        private int _disposed;

        public DateTimeOffset Due { get; } = due;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                lock (owner._gate)
                {
                    owner._timers.Remove(this);
                }

                owner._changed.Release();
            }
        }
    }

    private sealed class Awaiting(TestHooks owner) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                Interlocked.Decrement(ref owner._awaiting);
                owner.Changed();
            }
        }
    }
}

/// <summary>A crash point waiting to be reached, and where it was reached.</summary>
internal sealed class ArmedCrash(CrashPoint point)
{
    private int _hit;

    public CrashPoint Point { get; } = point;

    public TaskCompletionSource<(string WorkflowId, int FunctionId, string StepName)> Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool TryHit(string workflowId, int functionId, string stepName)
    {
        if (Interlocked.Exchange(ref _hit, 1) != 0)
        {
            return false;
        }

        Reached.TrySetResult((workflowId, functionId, stepName));
        return true;
    }
}

/// <summary>Stops a replayed workflow at the first operation its recorded history does not have.</summary>
internal sealed class EndOfHistoryException(string workflowId, int functionId, string name)
    : Exception($"Workflow {workflowId} reached the end of its recorded history at function id {functionId} ({name}).")
{
    public string WorkflowId { get; } = workflowId;

    public int FunctionId { get; } = functionId;

    public string Name { get; } = name;
}
