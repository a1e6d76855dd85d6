using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Dbos.Internal;
using Dbos.Scheduling;

namespace Dbos;

/// <summary>Schedules stored in the system database (<c>workflow_schedules</c>, as DBOS stores them) and runs of schedules on demand.</summary>
public sealed partial class DbosRuntime
{
    /// <summary>
    /// Stores a schedule that runs workflow <paramref name="workflowName"/> at every tick of <paramref name="cron"/>, in every application
    /// process that has it (a tick runs once, under <c>sched-{scheduleName}-{tick}</c>). The workflow takes
    /// <c>(DateTimeOffset scheduledTime, TContext context)</c> and gets <paramref name="context"/> as its second argument:
    /// <c>await DBOS.CreateScheduleAsync("nightly-eu", nameof(Reports.Nightly), "0 0 2 * * *", "eu");</c>
    /// </summary>
    /// <param name="scheduleName">The schedule's unique name.</param>
    /// <param name="workflowName">The stored workflow name: <c>[Workflow(Name)]</c> or the method name.</param>
    /// <param name="cron">5 fields (minute first) or 6 with seconds first.</param>
    /// <param name="context">The value each run receives (portable JSON); null for none.</param>
    /// <param name="options">Time zone, queue, automatic backfill, another application's workflow.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="ArgumentException">A bad cron text or time zone, an unknown workflow or one that does not take a
    /// <c>DateTimeOffset</c> first, or a name already used; nothing is stored.</exception>
    public async Task<WorkflowSchedule> CreateScheduleAsync(string scheduleName, string workflowName, string cron, object? context = null, ScheduleOptions? options = null, CancellationToken cancellationToken = default)
    {
        var row = NewScheduleRow(scheduleName, workflowName, cron, context, options);
        if (!await DbRetry.RunAsync(this, "create schedule", token => Database.CreateScheduleAsync(row, Linked(cancellationToken, token))).ConfigureAwait(false))
        {
            throw new ArgumentException($"A schedule named '{scheduleName}' exists already: delete it first (DeleteScheduleAsync) or pick another name.", nameof(scheduleName));
        }

        _scheduler?.Wake();
        return new WorkflowSchedule(row, this);
    }

    /// <summary>A new ACTIVE row for a schedule, checked as <see cref="CreateScheduleAsync"/> documents; throws before anything is stored.</summary>
    private ScheduleRow NewScheduleRow(string scheduleName, string workflowName, string cron, object? context, ScheduleOptions? options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(scheduleName);
        ArgumentException.ThrowIfNullOrWhiteSpace(workflowName);
        var parsed = CronSchedule.Parse(cron, options?.TimeZone, nameof(cron));
        var owner = options?.ApplicationName ?? Options.ApplicationName;
        var className = options?.WorkflowClassName;
        var workflow = WorkflowRegistry.Global.Find(className, workflowName);
        if (workflow is null)
        {
            // A client has no workflows: it stores the name, as DBOS's clients do, for the processes that have it.
            var elsewhere = IsClient || (owner is not null && !string.Equals(owner, Options.ApplicationName, StringComparison.Ordinal));
            if (!elsewhere)
            {
                var candidates = WorkflowRegistry.Global.All.Where(w => w.Name == workflowName).Select(w => w.ClassName).ToList();
                throw new ArgumentException(
                    candidates.Count > 1
                        ? $"Several workflows are named '{workflowName}' (classes {string.Join(", ", candidates)}): set ScheduleOptions.WorkflowClassName to say which."
                        : $"No [Workflow] named '{workflowName}'{(className is null ? "" : $" in class '{className}'")} is registered in this application. " +
                          "Use the workflow's stored name ([Workflow(Name)] or the method name, e.g. nameof(Reports.Nightly)); to schedule a workflow of " +
                          "another application on this system database, set ScheduleOptions.ApplicationName to that application's name.",
                    nameof(workflowName));
            }
        }
        else if (workflow.ParameterTypes is not [var first, var contextType] || first != typeof(DateTimeOffset))
        {
            throw new ArgumentException(
                $"Workflow {workflow.QualifiedName} cannot be scheduled: a scheduled workflow takes (DateTimeOffset scheduledTime, TContext context), " +
                "and receives the tick and the schedule's context.", nameof(workflowName));
        }
        else if (context is not null && !contextType.IsInstanceOfType(context))
        {
            throw new ArgumentException($"Workflow {workflow.QualifiedName} takes a {contextType.FullName} context, not a {context.GetType().FullName}.", nameof(context));
        }

        return new ScheduleRow(
            Guid.NewGuid().ToString(),
            scheduleName,
            workflowName,
            workflow?.ClassName ?? className ?? string.Empty, // DBOS TypeScript's client stores '' for a workflow without a class, and finds it so
            parsed.Text,
            ScheduleRow.ActiveStatus,
            ScheduleContext.Write(this, context, workflow?.ParameterTypes[1] ?? context?.GetType() ?? typeof(object)),
            null,
            options?.AutomaticBackfill ?? false,
            string.IsNullOrWhiteSpace(options?.TimeZone) ? null : options.TimeZone.Trim(),
            string.IsNullOrWhiteSpace(options?.Queue) ? null : options.Queue,
            owner);
    }

    /// <summary>The stored schedules of this application and the unclaimed ones (every one when this runtime has no
    /// <see cref="DbosOptions.ApplicationName"/>), by name; optionally only those with a status, a workflow or a name prefix.</summary>
    public async Task<IReadOnlyList<WorkflowSchedule>> ListSchedulesAsync(ScheduleStatus? status = null, string? workflowName = null, string? namePrefix = null, CancellationToken cancellationToken = default)
    {
        var query = new ScheduleQuery(status is null ? null : StatusText(status.Value), workflowName, namePrefix, ScopeToApplication: true, Options.ApplicationName);
        var rows = await DbRetry.RunAsync(this, "list schedules", token => Database.ListSchedulesAsync(query, Linked(cancellationToken, token))).ConfigureAwait(false);
        return rows.Select(r => new WorkflowSchedule(r, this)).ToList();
    }

    /// <summary>The stored schedule with this name, or null.</summary>
    public async Task<WorkflowSchedule?> GetScheduleAsync(string scheduleName, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(scheduleName);
        var row = await DbRetry.RunAsync(this, "get schedule", token => Database.GetScheduleAsync(scheduleName, Linked(cancellationToken, token))).ConfigureAwait(false);
        return row is null ? null : new WorkflowSchedule(row, this);
    }

    /// <summary>Stops firing the schedule (in every process, at their next poll) until <see cref="ResumeScheduleAsync"/>.</summary>
    /// <exception cref="ArgumentException">No stored schedule has this name.</exception>
    public Task PauseScheduleAsync(string scheduleName, CancellationToken cancellationToken = default)
        => SetStatusAsync(scheduleName, ScheduleStatus.Paused, cancellationToken);

    /// <summary>Fires the schedule again from its next tick; ticks passed while it was paused run only if backfilled.</summary>
    /// <exception cref="ArgumentException">No stored schedule has this name.</exception>
    public Task ResumeScheduleAsync(string scheduleName, CancellationToken cancellationToken = default)
        => SetStatusAsync(scheduleName, ScheduleStatus.Active, cancellationToken);

    /// <summary>Deletes the stored schedule (runs already enqueued stay). Returns false when there was none with this name.</summary>
    public async Task<bool> DeleteScheduleAsync(string scheduleName, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(scheduleName);
        var deleted = await DbRetry.RunAsync(this, "delete schedule", token => Database.DeleteScheduleAsync(scheduleName, Linked(cancellationToken, token))).ConfigureAwait(false);
        _scheduler?.Wake();
        return deleted;
    }

    /// <summary>
    /// Creates or replaces a set of stored schedules at once, in one transaction (DBOS's <c>applySchedules</c>): a schedule whose name
    /// is new is created ACTIVE; an existing one gets the given workflow, cron, context, time zone, queue and automatic backfill and
    /// keeps its ID, its status (a schedule paused with <c>dbos schedule pause</c> stays paused) and its last fired tick. Schedules
    /// not in the set are left as they are. Calling it at every start with the same set changes nothing, which makes it the way to
    /// declare in code schedules that operators can pause:
    /// <c>await DBOS.ApplySchedulesAsync([new("nightly-eu", nameof(Reports.Regional), "0 0 2 * * *", "eu")]);</c>
    /// </summary>
    /// <exception cref="ArgumentException">A schedule of the set is refused as <see cref="CreateScheduleAsync"/> refuses one (bad cron text
    /// or time zone, unknown workflow, wrong context), a name appears twice, or a name is taken by another application's schedule;
    /// nothing is applied.</exception>
    public async Task ApplySchedulesAsync(IEnumerable<ScheduleDefinition> schedules, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(schedules);
        var rows = new List<ScheduleRow>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var schedule in schedules)
        {
            if (schedule is null)
            {
                throw new ArgumentException("The set of schedules holds a null entry; nothing was applied.", nameof(schedules));
            }

            if (!names.Add(schedule.ScheduleName ?? string.Empty))
            {
                throw new ArgumentException($"The schedule name '{schedule.ScheduleName}' appears twice in the set; each name once. Nothing was applied.", nameof(schedules));
            }

            try
            {
                rows.Add(NewScheduleRow(schedule.ScheduleName!, schedule.WorkflowName, schedule.Cron, schedule.Context, schedule.Options));
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"Schedule '{schedule.ScheduleName}' of the set: {WithoutParameter(e)} Nothing was applied.", nameof(schedules), e);
            }
        }

        var conflict = await DbRetry.RunAsync(this, "apply schedules", token => Database.ApplySchedulesAsync(rows, Linked(cancellationToken, token))).ConfigureAwait(false);
        if (conflict is { } taken)
        {
            throw new ArgumentException(
                $"Schedule '{taken.ScheduleName}' belongs to application '{taken.ApplicationName}' in this system database; schedule names are unique " +
                "across the applications sharing it. Give this one another name, or delete the other application's schedule first. Nothing was applied.",
                nameof(schedules));
        }

        _scheduler?.Wake();
    }

    /// <summary>
    /// Changes the definition of a stored schedule (DBOS's <c>updateSchedule</c>): its cron text, context, time zone, queue or automatic
    /// backfill, each only when <paramref name="update"/> sets it. Its status and last fired tick stay; the processes that fire it
    /// restart its loop with the new definition at their next poll (this runtime at once).
    /// </summary>
    /// <exception cref="ArgumentException">No stored schedule has this name, or the new cron text, time zone or context is refused as
    /// <see cref="CreateScheduleAsync"/> refuses it; nothing is changed.</exception>
    public async Task UpdateScheduleAsync(string scheduleName, ScheduleUpdate update, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(scheduleName);
        ArgumentNullException.ThrowIfNull(update);
        var stored = await DbRetry.RunAsync(this, "get schedule", token => Database.GetScheduleAsync(scheduleName, Linked(cancellationToken, token))).ConfigureAwait(false)
            ?? throw NoStoredSchedule(scheduleName);
        var zone = update.TimeZone is null ? stored.CronTimezone : string.IsNullOrWhiteSpace(update.TimeZone) ? null : update.TimeZone.Trim();
        var parsed = CronSchedule.Parse(update.Cron ?? stored.Schedule, zone, nameof(update));
        string? context = null;
        if (update.ReplacesContext)
        {
            var workflow = WorkflowRegistry.Global.Find(stored.WorkflowClassName, stored.WorkflowName);
            var contextType = workflow?.ParameterTypes is [_, var declared] ? declared : update.Context?.GetType() ?? typeof(object);
            if (update.Context is not null && !contextType.IsInstanceOfType(update.Context))
            {
                throw new ArgumentException($"Workflow {workflow!.QualifiedName} takes a {contextType.FullName} context, not a {update.Context.GetType().FullName}; nothing was changed.", nameof(update));
            }

            context = ScheduleContext.Write(this, update.Context, contextType);
        }

        var change = new ScheduleChange(
            update.Cron is null ? null : parsed.Text,
            context,
            update.AutomaticBackfill,
            update.TimeZone is null ? null : zone ?? string.Empty,
            update.Queue?.Trim());
        if (!await DbRetry.RunAsync(this, "update schedule", token => Database.UpdateScheduleAsync(scheduleName, change, Linked(cancellationToken, token))).ConfigureAwait(false))
        {
            throw NoStoredSchedule(scheduleName);
        }

        _scheduler?.Wake();
    }

    private static ArgumentException NoStoredSchedule(string scheduleName)
        => new($"No stored schedule is named '{scheduleName}' (ListSchedulesAsync lists them); nothing was changed.", nameof(scheduleName));

    /// <summary>An argument error's message without the " (Parameter 'x')" that <see cref="ArgumentException.Message"/> appends.</summary>
    private static string WithoutParameter(ArgumentException e)
    {
        var suffix = e.ParamName is null ? null : $" (Parameter '{e.ParamName}')";
        return suffix is not null && e.Message.EndsWith(suffix, StringComparison.Ordinal) ? e.Message[..^suffix.Length] : e.Message;
    }

    /// <summary>Enqueues one run of the schedule now (a stored schedule, or a <c>[Scheduled]</c> workflow by its name), under
    /// <c>sched-{name}-trigger-{now}</c>, with now as its scheduled time.</summary>
    /// <exception cref="ArgumentException">No schedule has this name.</exception>
    public async Task<WorkflowHandle> TriggerScheduleAsync(string scheduleName, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(scheduleName);
        EnsureAcceptingWork();
        var stored = await DbRetry.RunAsync(this, "get schedule", token => Database.GetScheduleAsync(scheduleName, Linked(cancellationToken, token))).ConfigureAwait(false);
        var id = await ScheduleRunner.TriggerAsync(stored, scheduleName, cancellationToken).ConfigureAwait(false);
        return new WorkflowHandle(this, id);
    }

    /// <summary>Enqueues the runs of every tick strictly between <paramref name="from"/> and <paramref name="to"/>, each under its
    /// usual ID <c>sched-{name}-{tick}</c>, so ticks that already ran are not run again. Returns their handles, in tick order.</summary>
    /// <exception cref="ArgumentException">No schedule has this name, or <paramref name="to"/> is before <paramref name="from"/>.</exception>
    public async Task<IReadOnlyList<WorkflowHandle>> BackfillScheduleAsync(string scheduleName, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(scheduleName);
        if (to < from)
        {
            throw new ArgumentException($"The backfill ends ({to:O}) before it starts ({from:O}).", nameof(to));
        }

        EnsureAcceptingWork();
        var stored = await DbRetry.RunAsync(this, "get schedule", token => Database.GetScheduleAsync(scheduleName, Linked(cancellationToken, token))).ConfigureAwait(false);
        var ids = await ScheduleRunner.BackfillAsync(stored, scheduleName, from, to, cancellationToken).ConfigureAwait(false);
        return ids.Select(id => new WorkflowHandle(this, id)).ToList();
    }

    /// <summary>The scheduler fires ticks only with <see cref="DbosOptions.RunSchedules"/>; triggers and backfills work without it.</summary>
    private Scheduler ScheduleRunner => _scheduler ?? (_manualScheduler ??= new Scheduler(this));

    /// <summary>The scheduler firing this runtime's schedules; null without <see cref="DbosOptions.RunSchedules"/>.</summary>
    internal Scheduler? ActiveScheduler => _scheduler;

    private Scheduler? _manualScheduler;

    private async Task SetStatusAsync(string scheduleName, ScheduleStatus status, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(scheduleName);
        if (!await DbRetry.RunAsync(this, "set schedule status", token => Database.SetScheduleStatusAsync(scheduleName, StatusText(status), Linked(cancellationToken, token))).ConfigureAwait(false))
        {
            throw new ArgumentException($"No stored schedule is named '{scheduleName}' (ListSchedulesAsync lists them; [Scheduled] workflows cannot be paused).", nameof(scheduleName));
        }

        _scheduler?.Wake();
    }

    private static string StatusText(ScheduleStatus status) => status == ScheduleStatus.Paused ? ScheduleRow.PausedStatus : ScheduleRow.ActiveStatus;

    private static CancellationToken Linked(CancellationToken caller, CancellationToken stopping) => caller.CanBeCanceled ? caller : stopping;
}
