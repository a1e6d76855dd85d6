using System;
using System.Collections.Generic;
using System.Text;
using Dbos.SystemDatabase;

namespace Dbos.Internal;

/// <summary>
/// The list query of both engines, built from a <see cref="WorkflowFilter"/>: constant fragments, every value a parameter.
/// Ordered by <c>created_at</c> (DBOS's order, served by <c>workflow_status_created_at_index</c>) with the ID as tie-break, so
/// pages with an offset are stable; filters on indexed columns (status of failed workflows, queue, parent, fork) narrow the scan.
/// </summary>
internal static class WorkflowListSql
{
    // The columns WorkflowListRow reads, in its order (ReadRow of each engine), from workflow_status aliased ws.
    public const string Columns = """
        ws.workflow_uuid, ws.status, ws.name, ws.class_name, ws.config_name, ws.authenticated_user, ws.assumed_role,
        ws.authenticated_roles, ws.executor_id, ws.application_version, ws.application_name, ws.created_at, ws.updated_at,
        ws.completed_at, COALESCE(ws.recovery_attempts, 0), ws.queue_name, ws.workflow_timeout_ms, ws.workflow_deadline_epoch_ms,
        ws.started_at_epoch_ms, ws.delay_until_epoch_ms, ws.deduplication_id, ws.priority, ws.queue_partition_key, ws.forked_from,
        ws.was_forked_from, ws.parent_workflow_id, ws.serialization
        """;

    public const int PayloadOrdinal = 27;

    // Payloads from the DBOS 5 tables, falling back to the legacy columns of rows written by older DBOS versions.
    private const string InputColumn = "COALESCE(wi.inputs, ws.inputs)";
    private const string OutputColumns = "COALESCE(wo.output, ws.output), COALESCE(wo.error, ws.error)";
    private const string InputJoin = " LEFT JOIN {schema}workflow_input wi ON wi.workflow_uuid = ws.workflow_uuid";
    private const string OutputJoin = " LEFT JOIN {schema}workflow_output wo ON wo.workflow_uuid = ws.workflow_uuid";

    // Literal statuses, so the planner can match the partial index of in-flight workflows.
    private const string QueuedCondition = "ws.queue_name IS NOT NULL AND ws.status IN ('ENQUEUED', 'PENDING', 'DELAYED')";

    /// <summary>How one engine writes a parameter and a membership test.</summary>
    /// <param name="Schema">The table prefix, e.g. <c>"dbos".</c>, or empty.</param>
    /// <param name="Parameter">Adds a parameter value and returns its placeholder.</param>
    /// <param name="AnyOf">Adds a list parameter and returns the test after the column, e.g. <c>= ANY($3)</c>.</param>
    /// <param name="True">The literal for true (<c>TRUE</c>, or <c>1</c> on SQLite).</param>
    /// <param name="False">The literal for false.</param>
    /// <param name="NoLimit">What follows LIMIT for no limit when only an offset is given (<c>ALL</c>, or <c>-1</c> on SQLite).</param>
    public sealed record Dialect(string Schema, Func<object?, string> Parameter, Func<IReadOnlyCollection<string>, string> AnyOf, string True, string False, string NoLimit);

    /// <summary>Checks the filter before it reaches the database, so a typo fails instead of listing nothing.</summary>
    public static void Validate(WorkflowFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        if (filter.Limit is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(filter), filter.Limit, "WorkflowFilter.Limit must be 0 or more (null for no limit).");
        }

        if (filter.Offset is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(filter), filter.Offset, "WorkflowFilter.Offset must be 0 or more.");
        }

        foreach (var status in filter.Statuses ?? [])
        {
            if (status is not (WorkflowStatuses.Pending or WorkflowStatuses.Success or WorkflowStatuses.Error or WorkflowStatuses.Cancelled
                or WorkflowStatuses.Enqueued or WorkflowStatuses.Delayed or WorkflowStatuses.MaxRecoveryAttemptsExceeded))
            {
                throw new ArgumentException(
                    $"WorkflowFilter.Statuses has '{status}', which is not a workflow status. Use the WorkflowStatuses constants: PENDING, ENQUEUED, DELAYED, SUCCESS, ERROR, CANCELLED, MAX_RECOVERY_ATTEMPTS_EXCEEDED.",
                    nameof(filter));
            }
        }
    }

    public static string Build(WorkflowFilter filter, bool queuedOnly, Dialect dialect)
    {
        var conditions = new List<string>();
        void Equal(string column, string? value)
        {
            if (value is not null)
            {
                conditions.Add(column + " = " + dialect.Parameter(value));
            }
        }

        void Range(string column, string op, DateTimeOffset? value)
        {
            if (value is { } time)
            {
                conditions.Add(column + " " + op + " " + dialect.Parameter(time.ToUnixTimeMilliseconds()));
            }
        }

        void AnyOf(string column, IReadOnlyCollection<string>? values)
        {
            if (values is not null)
            {
                conditions.Add(values.Count == 0 ? "1 = 0" : column + " " + dialect.AnyOf(values));
            }
        }

        if (queuedOnly || filter.QueuesOnly)
        {
            conditions.Add(QueuedCondition);
        }

        AnyOf("ws.workflow_uuid", filter.WorkflowIds);
        if (!string.IsNullOrEmpty(filter.WorkflowIdPrefix))
        {
            conditions.Add("ws.workflow_uuid LIKE " + dialect.Parameter(EscapeLike(filter.WorkflowIdPrefix) + "%") + " ESCAPE '\\'");
        }

        AnyOf("ws.status", filter.Statuses);
        Equal("ws.name", filter.Name);
        Equal("ws.class_name", filter.ClassName);
        Equal("ws.application_version", filter.ApplicationVersion);
        Equal("ws.application_name", filter.ApplicationName);
        Equal("ws.executor_id", filter.ExecutorId);
        Equal("ws.authenticated_user", filter.AuthenticatedUser);
        Equal("ws.queue_name", filter.QueueName);
        Equal("ws.parent_workflow_id", filter.ParentWorkflowId);
        Equal("ws.forked_from", filter.ForkedFrom);
        if (filter.WasForkedFrom is { } wasForked)
        {
            conditions.Add("ws.was_forked_from = " + (wasForked ? dialect.True : dialect.False));
        }

        if (filter.HasParent is { } hasParent)
        {
            conditions.Add(hasParent ? "ws.parent_workflow_id IS NOT NULL" : "ws.parent_workflow_id IS NULL");
        }

        Range("ws.created_at", ">=", filter.CreatedAfter);
        Range("ws.created_at", "<=", filter.CreatedBefore);
        Range("ws.completed_at", ">=", filter.CompletedAfter);
        Range("ws.completed_at", "<=", filter.CompletedBefore);
        Range("ws.started_at_epoch_ms", ">=", filter.DequeuedAfter);
        Range("ws.started_at_epoch_ms", "<=", filter.DequeuedBefore);

        var sql = new StringBuilder("SELECT ").Append(Columns).Append(", ")
            .Append(filter.LoadInput ? InputColumn : "NULL").Append(", ")
            .Append(filter.LoadOutput ? OutputColumns : "NULL, NULL")
            .Append(" FROM {schema}workflow_status ws");
        if (filter.LoadInput)
        {
            sql.Append(InputJoin);
        }

        if (filter.LoadOutput)
        {
            sql.Append(OutputJoin);
        }

        if (conditions.Count > 0)
        {
            sql.Append(" WHERE ").AppendJoin(" AND ", conditions);
        }

        var direction = filter.SortDescending ? " DESC" : string.Empty;
        sql.Append(" ORDER BY ws.created_at").Append(direction).Append(", ws.workflow_uuid").Append(direction);
        if (filter.Limit is not null || filter.Offset is not null)
        {
            sql.Append(" LIMIT ").Append(filter.Limit is { } limit ? dialect.Parameter((long)limit) : dialect.NoLimit);
            if (filter.Offset is { } offset)
            {
                sql.Append(" OFFSET ").Append(dialect.Parameter((long)offset));
            }
        }

        return sql.Replace("{schema}", dialect.Schema).ToString();
    }

    private static string EscapeLike(string value)
        => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal);
}
