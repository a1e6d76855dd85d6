using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Dbos;

/// <summary>Schedules: the same calls as on <see cref="DbosRuntime"/>, on the current runtime.</summary>
public static partial class DBOS
{
    /// <inheritdoc cref="DbosRuntime.CreateScheduleAsync(string, string, string, object?, ScheduleOptions?, CancellationToken)"/>
    public static Task<WorkflowSchedule> CreateScheduleAsync(string scheduleName, string workflowName, string cron, object? context = null, ScheduleOptions? options = null, CancellationToken cancellationToken = default)
        => DbosRuntime.Resolve(null).CreateScheduleAsync(scheduleName, workflowName, cron, context, options, cancellationToken);

    /// <inheritdoc cref="DbosRuntime.ListSchedulesAsync(ScheduleStatus?, string?, string?, CancellationToken)"/>
    public static Task<IReadOnlyList<WorkflowSchedule>> ListSchedulesAsync(ScheduleStatus? status = null, string? workflowName = null, string? namePrefix = null, CancellationToken cancellationToken = default)
        => DbosRuntime.Resolve(null).ListSchedulesAsync(status, workflowName, namePrefix, cancellationToken);

    /// <inheritdoc cref="DbosRuntime.GetScheduleAsync(string, CancellationToken)"/>
    public static Task<WorkflowSchedule?> GetScheduleAsync(string scheduleName, CancellationToken cancellationToken = default)
        => DbosRuntime.Resolve(null).GetScheduleAsync(scheduleName, cancellationToken);

    /// <inheritdoc cref="DbosRuntime.PauseScheduleAsync(string, CancellationToken)"/>
    public static Task PauseScheduleAsync(string scheduleName, CancellationToken cancellationToken = default)
        => DbosRuntime.Resolve(null).PauseScheduleAsync(scheduleName, cancellationToken);

    /// <inheritdoc cref="DbosRuntime.ResumeScheduleAsync(string, CancellationToken)"/>
    public static Task ResumeScheduleAsync(string scheduleName, CancellationToken cancellationToken = default)
        => DbosRuntime.Resolve(null).ResumeScheduleAsync(scheduleName, cancellationToken);

    /// <inheritdoc cref="DbosRuntime.DeleteScheduleAsync(string, CancellationToken)"/>
    public static Task<bool> DeleteScheduleAsync(string scheduleName, CancellationToken cancellationToken = default)
        => DbosRuntime.Resolve(null).DeleteScheduleAsync(scheduleName, cancellationToken);

    /// <inheritdoc cref="DbosRuntime.TriggerScheduleAsync(string, CancellationToken)"/>
    public static Task<WorkflowHandle> TriggerScheduleAsync(string scheduleName, CancellationToken cancellationToken = default)
        => DbosRuntime.Resolve(null).TriggerScheduleAsync(scheduleName, cancellationToken);

    /// <inheritdoc cref="DbosRuntime.BackfillScheduleAsync(string, DateTimeOffset, DateTimeOffset, CancellationToken)"/>
    public static Task<IReadOnlyList<WorkflowHandle>> BackfillScheduleAsync(string scheduleName, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default)
        => DbosRuntime.Resolve(null).BackfillScheduleAsync(scheduleName, from, to, cancellationToken);

    /// <inheritdoc cref="DbosRuntime.ApplySchedulesAsync(IEnumerable{ScheduleDefinition}, CancellationToken)"/>
    public static Task ApplySchedulesAsync(IEnumerable<ScheduleDefinition> schedules, CancellationToken cancellationToken = default)
        => DbosRuntime.Resolve(null).ApplySchedulesAsync(schedules, cancellationToken);

    /// <inheritdoc cref="DbosRuntime.UpdateScheduleAsync(string, ScheduleUpdate, CancellationToken)"/>
    public static Task UpdateScheduleAsync(string scheduleName, ScheduleUpdate update, CancellationToken cancellationToken = default)
        => DbosRuntime.Resolve(null).UpdateScheduleAsync(scheduleName, update, cancellationToken);
}
