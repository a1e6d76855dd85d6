using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading.Tasks;
using NUnit.Framework;

namespace Dbos.Tests.Management;

/// <summary>What the management tests share: reading a workflow's row by column name, and bounded waits (so a regression
/// fails the test instead of hanging it).</summary>
public abstract class ManagementTest(string engine) : EngineTest(engine)
{
    protected static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private static readonly string[] RowColumns =
    [
        "status", "queue_name", "deduplication_id", "started_at_epoch_ms", "completed_at", "owner_xid", "recovery_attempts",
        "workflow_deadline_epoch_ms", "workflow_timeout_ms", "forked_from", "was_forked_from", "application_version", "executor_id",
        "name", "class_name", "queue_partition_key", "parent_workflow_id", "authenticated_user", "serialization", "updated_at", "created_at",
    ];

    /// <summary>The workflow's row (selected columns), or null when it does not exist.</summary>
    protected async Task<Dictionary<string, object?>?> RowAsync(string workflowId)
    {
        var rows = await QueryAsync($"SELECT {string.Join(", ", RowColumns)} FROM {{s}}workflow_status WHERE workflow_uuid = @p1", workflowId);
        if (rows.Count == 0)
        {
            return null;
        }

        return RowColumns.Select((c, i) => (c, rows[0][i])).ToDictionary(x => x.c, x => x.Item2, StringComparer.Ordinal);
    }

    protected async Task<Dictionary<string, object?>> ExistingRowAsync(string workflowId)
        => await RowAsync(workflowId) ?? throw new AssertionException($"Workflow {workflowId} has no row.");

    protected static long? Long(object? value) => value is null ? null : Convert.ToInt64(value, CultureInfo.InvariantCulture);

    protected static bool Bool(object? value) => value is bool b ? b : Convert.ToInt64(value, CultureInfo.InvariantCulture) != 0;

    /// <summary>Rows of <paramref name="table"/> that belong to the workflow (<c>destination_uuid</c> for messages).</summary>
    protected Task<long> CountInAsync(string table, string workflowId)
        => CountAsync($"SELECT COUNT(*) FROM {{s}}{table} WHERE {(table == "notifications" ? "destination_uuid" : "workflow_uuid")} = @p1", workflowId);

    protected static readonly string[] DependentTables =
        ["workflow_status", "workflow_input", "workflow_output", "operation_outputs", "notifications", "workflow_events", "workflow_events_history", "streams"];
}
