using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Dbos.Internal;
using Dbos.SystemDatabase;
using Microsoft.Extensions.Logging;

namespace Dbos.Scheduling;

/// <summary>
/// Fires this runtime's schedules: the <c>[Scheduled]</c> workflows, and the ACTIVE rows of <c>workflow_schedules</c> that belong to
/// this application (or to none) and name a workflow registered here. Each schedule has a loop that sleeps until its next tick and
/// enqueues the run under the tick's workflow ID; every process does the same, and the ID makes the tick run once. A loop starts from
/// the current time, so ticks missed while no process ran are not fired unless backfilled.
/// </summary>
internal sealed class Scheduler
{
    private const string TriggerInfix = "trigger-";

    private static readonly TimeSpan LongestSleep = TimeSpan.FromHours(1);
    private static readonly TimeSpan LongestJitter = TimeSpan.FromSeconds(10);

    private readonly DbosRuntime _runtime;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Dictionary<string, Loop> _dynamic = new(StringComparer.Ordinal);
    private readonly HashSet<string> _reported = new(StringComparer.Ordinal);
    private readonly List<Task> _staticLoops = new();
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _polling = Task.CompletedTask;

    public Scheduler(DbosRuntime runtime) => _runtime = runtime;

    private TimeProvider Time => _runtime.Options.TimeProvider;

    private ILogger Logger => _runtime.Logger;

    /// <summary>The <c>[Scheduled]</c> workflows, checked: a bad cron text, time zone or signature fails the start with the reason.</summary>
    public static IReadOnlyList<(StaticSchedule Schedule, CronSchedule Cron)> CheckStaticSchedules()
    {
        var checkedSchedules = new List<(StaticSchedule, CronSchedule)>();
        foreach (var schedule in WorkflowRegistry.Global.Schedules)
        {
            var types = schedule.Workflow.ParameterTypes;
            if (types.Length != 2 || types[0] != typeof(DateTimeOffset) || types[1] != typeof(DateTimeOffset))
            {
                throw new InvalidOperationException(
                    $"[Scheduled] workflow {schedule.Workflow.QualifiedName} must take (DateTimeOffset scheduledTime, DateTimeOffset actualTime) (analyzer DBOS017).");
            }

            try
            {
                checkedSchedules.Add((schedule, CronSchedule.Parse(schedule.Cron, schedule.TimeZone)));
            }
            catch (ArgumentException e)
            {
                throw new InvalidOperationException($"[Scheduled] workflow {schedule.Workflow.QualifiedName}: {e.Message}", e);
            }
        }

        return checkedSchedules;
    }

    public void Start(IReadOnlyList<(StaticSchedule Schedule, CronSchedule Cron)> staticSchedules)
    {
        var token = _stopping.Token;
        foreach (var (schedule, cron) in staticSchedules)
        {
            var definition = new Definition(schedule.Name, schedule.Workflow, cron, schedule.Queue, Context: null, ApplicationName: _runtime.Options.ApplicationName, Stored: false);
            var from = Time.GetUtcNow();
            _staticLoops.Add(Task.Run(() => RunLoopAsync(definition, from, token), CancellationToken.None));
        }

        _polling = Task.Run(() => PollAsync(token), CancellationToken.None);
    }

    /// <summary>Reads the stored schedules now (after a change made through this runtime) instead of at the next poll.</summary>
    public void Wake() => Volatile.Read(ref _wake).TrySetResult();

    /// <summary>Stops every loop; waits at most <see cref="StopWait"/> for them (a database call in flight is not cut short), and never throws:
    /// what the loops were doing is logged by them or was cut short by the stop itself.</summary>
    public async Task StopAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        Task[] loops;
        lock (_dynamic)
        {
            loops = _dynamic.Values.Select(l => l.Task).Concat(_staticLoops).Append(_polling).ToArray();
        }

        try
        {
            await Task.WhenAll(loops).WaitAsync(StopWait).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            Logger.LogDebug(e, "The scheduler's loops ended with an error or did not end within {Wait} at shutdown.", StopWait);
        }
    }

    private static readonly TimeSpan StopWait = TimeSpan.FromSeconds(5);

    private async Task PollAsync(CancellationToken token)
    {
        while (!token.IsCancellationRequested)
        {
            var wake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Volatile.Write(ref _wake, wake);
            try
            {
                await ReconcileAsync(token).ConfigureAwait(false);
            }
            catch (Exception e) when (!token.IsCancellationRequested)
            {
                Logger.LogWarning(e, "Reading the schedules in workflow_schedules failed; trying again at the next poll.");
            }
            catch (OperationCanceledException)
            {
                return; // stopped while reading the schedules
            }

            try
            {
                await Task.WhenAny(wake.Task, Task.Delay(_runtime.Options.SchedulerPollingInterval, Time, token)).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Starts a loop for each new or changed ACTIVE schedule (backfilling first when it asks for it) and stops the loops of
    /// paused, deleted and changed ones.</summary>
    private async Task ReconcileAsync(CancellationToken token)
    {
        var rows = await _runtime.Database.ListSchedulesAsync(new ScheduleQuery(null, null, null, ScopeToApplication: true, _runtime.Options.ApplicationName), token).ConfigureAwait(false);
        var current = rows.ToDictionary(r => r.ScheduleName, StringComparer.Ordinal);
        lock (_dynamic)
        {
            foreach (var (name, loop) in _dynamic.ToList())
            {
                if (!current.TryGetValue(name, out var row) || row.Status != ScheduleRow.ActiveStatus || row.Signature != loop.Signature)
                {
                    loop.Stop.Cancel();
                    _dynamic.Remove(name);
                }
            }
        }

        foreach (var row in rows)
        {
            bool running;
            lock (_dynamic)
            {
                running = _dynamic.ContainsKey(row.ScheduleName);
            }

            if (running || row.Status != ScheduleRow.ActiveStatus || ToDefinition(row) is not { } definition)
            {
                continue;
            }

            if (row.AutomaticBackfill && ScheduleRow.ParseTime(row.LastFiredAt) is { } lastFired && lastFired < Time.GetUtcNow())
            {
                var fired = await BackfillAsync(definition, lastFired, Time.GetUtcNow(), token).ConfigureAwait(false);
                if (fired.Count > 0)
                {
                    Logger.LogInformation("Schedule {Schedule}: enqueued {Count} ticks missed since {LastFired} (automatic backfill).", row.ScheduleName, fired.Count, row.LastFiredAt);
                }
            }

            var stop = CancellationTokenSource.CreateLinkedTokenSource(token);
            var from = Time.GetUtcNow();
            lock (_dynamic)
            {
                _dynamic[row.ScheduleName] = new Loop(row.Signature, stop, Task.Run(() => RunLoopAsync(definition, from, stop.Token), CancellationToken.None));
            }
        }
    }

    /// <summary>The stored schedule as this runtime fires it, or null (logged once) when it cannot: a workflow not registered here
    /// (another application's, which its own processes fire), or a bad cron text or time zone written by another tool.</summary>
    private Definition? ToDefinition(ScheduleRow row)
    {
        var workflow = WorkflowRegistry.Global.Find(row.WorkflowClassName, row.WorkflowName);
        string? problem = null;
        CronSchedule? cron = null;
        if (workflow is null)
        {
            problem = $"no [Workflow] named {row.WorkflowName} (class {row.WorkflowClassName ?? "not stored"}) is registered here";
        }
        else if (workflow.ParameterTypes is not [var first, _] || first != typeof(DateTimeOffset))
        {
            problem = $"workflow {workflow.QualifiedName} does not take (DateTimeOffset scheduledTime, TContext context)";
        }
        else
        {
            try
            {
                cron = CronSchedule.Parse(row.Schedule, row.CronTimezone);
            }
            catch (ArgumentException e)
            {
                problem = e.Message;
            }
        }

        if (problem is not null)
        {
            lock (_reported)
            {
                if (_reported.Add(row.ScheduleName + "\u001f" + row.Signature))
                {
                    Logger.LogWarning("Schedule {Schedule} is not fired by this process: {Problem}.", row.ScheduleName, problem);
                }
            }

            return null;
        }

        // An unclaimed schedule's runs belong to the application that fires them, as in DBOS.
        return new Definition(row.ScheduleName, workflow!, cron!, row.QueueName, row.Context, row.ApplicationName ?? _runtime.Options.ApplicationName, Stored: true);
    }

    /// <summary>Whether a loop fires the stored schedule now (it is ACTIVE, its workflow is here, and the last poll saw it).</summary>
    internal bool IsWatching(string scheduleName)
    {
        lock (_dynamic)
        {
            return _dynamic.ContainsKey(scheduleName);
        }
    }

    /// <summary>Fires the ticks after <paramref name="from"/> (the time the loop was started) until stopped.</summary>
    private async Task RunLoopAsync(Definition definition, DateTimeOffset from, CancellationToken token)
    {
        var last = TruncateToSecond(from);
        try
        {
            while (!token.IsCancellationRequested && definition.Cron.Next(last) is { } next)
            {
                var wait = next - Time.GetUtcNow();
                if (wait > TimeSpan.Zero)
                {
                    // As DBOS: up to a tenth of the wait (at most 10 s) later, so many processes do not hit the database at once.
                    var jitter = TimeSpan.FromTicks((long)(Random.Shared.NextDouble() * Math.Min(wait.Ticks / 10, LongestJitter.Ticks)));
                    await SleepUntilAsync(next + jitter, token).ConfigureAwait(false);
                }

                try
                {
                    await FireAsync(definition, next, TickWorkflowId(definition.Name, next), token).ConfigureAwait(false);
                }
                catch (Exception e) when (!token.IsCancellationRequested)
                {
                    Logger.LogWarning(e, "Schedule {Schedule}: enqueuing the run of {Tick} failed; that tick is skipped here (another process may run it).",
                        definition.Name, ScheduleRow.FormatTime(next));
                }

                last = next;
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
    }

    private async Task SleepUntilAsync(DateTimeOffset until, CancellationToken token)
    {
        using var timer = _runtime.Options.Hooks?.TimerSet(until); // a test clock may skip to the tick
        for (var remaining = until - Time.GetUtcNow(); remaining > TimeSpan.Zero; remaining = until - Time.GetUtcNow())
        {
            await Task.Delay(remaining < LongestSleep ? remaining : LongestSleep, Time, token).ConfigureAwait(false);
        }
    }

    /// <summary>Enqueues one run (ENQUEUED on its queue, for the application's latest version, as DBOS does) and, for a stored
    /// schedule, records the tick in <c>last_fired_at</c>. Another process having enqueued the same ID is not an error.</summary>
    private async Task<string> FireAsync(Definition definition, DateTimeOffset tick, string workflowId, CancellationToken token, bool recordFired = true)
    {
        var workflow = definition.Workflow;
        var now = Time.GetUtcNow();
        var second = definition.Stored ? ScheduleContext.Read(_runtime, definition.Context!, workflow.ParameterTypes[1], definition.Name) : now;
        var inputs = _runtime.Serializer.SerializeArguments([tick, second], workflow.ParameterTypes);
        var version = await DbRetry.RunAsync(_runtime, "get latest application version",
            t => _runtime.Database.GetLatestApplicationVersionAsync(definition.ApplicationName, t)).ConfigureAwait(false) ?? _runtime.ApplicationVersion;
        var queue = string.IsNullOrEmpty(definition.Queue) ? WorkflowQueue.InternalQueueName : definition.Queue;
        var row = new WorkflowStatusInsert(
            workflowId,
            WorkflowStatuses.Enqueued,
            workflow.Name,
            workflow.ClassName,
            null,
            inputs,
            _runtime.Serializer.Name,
            _runtime.ExecutorId,
            version,
            definition.ApplicationName,
            _runtime.NewOwnerToken(),
            now.ToUnixTimeMilliseconds(),
            QueueName: queue,
            RecoveryAttempts: 0,
            ScheduleName: definition.Name);
        token.ThrowIfCancellationRequested();
        var inserted = await DbRetry.RunAsync(_runtime, "enqueue scheduled workflow", t => _runtime.Database.InsertWorkflowStatusAsync(row, t)).ConfigureAwait(false);
        if (inserted.Inserted)
        {
            _runtime.WakeQueue(queue);
        }

        if (definition.Stored && recordFired)
        {
            await DbRetry.RunAsync(_runtime, "record schedule tick", t => _runtime.Database.UpdateScheduleLastFiredAsync(definition.Name, ScheduleRow.FormatTime(tick), t)).ConfigureAwait(false);
        }

        return workflowId;
    }

    /// <summary>Enqueues every tick strictly between <paramref name="from"/> and <paramref name="to"/> under its usual ID, so a tick that
    /// already ran is not run again.</summary>
    private async Task<IReadOnlyList<string>> BackfillAsync(Definition definition, DateTimeOffset from, DateTimeOffset to, CancellationToken token)
    {
        var ids = new List<string>();
        foreach (var tick in definition.Cron.Between(from, to))
        {
            ids.Add(await FireAsync(definition, tick, TickWorkflowId(definition.Name, tick), token, recordFired: false).ConfigureAwait(false));
        }

        return ids;
    }

    public Task<IReadOnlyList<string>> BackfillAsync(ScheduleRow? stored, string name, DateTimeOffset from, DateTimeOffset to, CancellationToken token)
        => BackfillAsync(Resolve(stored, name), from, to, token);

    /// <summary>Enqueues one run now, under <c>sched-{name}-trigger-{now}</c> (DBOS's ID for a manual run).</summary>
    public Task<string> TriggerAsync(ScheduleRow? stored, string name, CancellationToken token)
    {
        var now = Time.GetUtcNow();
        return FireAsync(Resolve(stored, name), now, $"sched-{name}-{TriggerInfix}{ScheduleRow.FormatTime(now)}", token, recordFired: false);
    }

    /// <summary>A stored schedule, else the <c>[Scheduled]</c> workflow of that name; an error that says which when there is neither.</summary>
    private Definition Resolve(ScheduleRow? stored, string name)
    {
        if (stored is not null)
        {
            var workflow = WorkflowRegistry.Global.Find(stored.WorkflowClassName, stored.WorkflowName)
                ?? throw new InvalidOperationException(
                    $"Schedule '{name}' runs workflow {stored.WorkflowName} (class {stored.WorkflowClassName ?? "not stored"}), which is not registered in this application; " +
                    "trigger or backfill it from an application that has it.");
            return new Definition(name, workflow, CronSchedule.Parse(stored.Schedule, stored.CronTimezone), stored.QueueName, stored.Context, stored.ApplicationName ?? _runtime.Options.ApplicationName, Stored: true);
        }

        var declared = WorkflowRegistry.Global.Schedules.FirstOrDefault(s => s.Name == name)
            ?? throw new ArgumentException($"No schedule is named '{name}': neither a row of workflow_schedules (ListSchedulesAsync lists them) nor a [Scheduled] workflow of this application.", "scheduleName");
        return new Definition(name, declared.Workflow, CronSchedule.Parse(declared.Cron, declared.TimeZone), declared.Queue, null, _runtime.Options.ApplicationName, Stored: false);
    }

    /// <summary>DBOS's workflow ID of a tick: <c>sched-{schedule name}-{tick as Date.toISOString()}</c>.</summary>
    internal static string TickWorkflowId(string scheduleName, DateTimeOffset tick) => $"sched-{scheduleName}-{ScheduleRow.FormatTime(tick)}";

    private static DateTimeOffset TruncateToSecond(DateTimeOffset time) => new(time.UtcTicks - (time.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);

    private sealed record Definition(string Name, WorkflowDescriptor Workflow, CronSchedule Cron, string? Queue, string? Context, string? ApplicationName, bool Stored);

    private sealed record Loop(string Signature, CancellationTokenSource Stop, Task Task);
}
