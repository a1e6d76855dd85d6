using System;
using System.Collections.Generic;

namespace Dbos;

/// <summary>
/// Which workflows <c>ListWorkflowsAsync</c> returns: every property that is set narrows the list (they combine with AND);
/// an empty filter lists every workflow. Rows come ordered by creation time, oldest first unless <see cref="SortDescending"/>.
/// Times are inclusive bounds.
/// </summary>
public sealed class WorkflowFilter
{
    /// <summary>Only these workflow IDs.</summary>
    public IReadOnlyCollection<string>? WorkflowIds { get; init; }

    /// <summary>Only workflows whose ID starts with this text (e.g. the children of <c>order-42</c>: <c>order-42-</c>).</summary>
    public string? WorkflowIdPrefix { get; init; }

    /// <summary>Only workflows in one of these statuses (<see cref="WorkflowStatuses"/>).</summary>
    public IReadOnlyCollection<string>? Statuses { get; init; }

    /// <summary>Only workflows with this stored name (<c>[Workflow(Name)]</c> or the method name).</summary>
    public string? Name { get; init; }

    /// <summary>Only workflows of this stored class name (<c>[WorkflowClass(Name)]</c> or the class's simple name).</summary>
    public string? ClassName { get; init; }

    /// <summary>Only workflows created at or after this time.</summary>
    public DateTimeOffset? CreatedAfter { get; init; }

    /// <summary>Only workflows created at or before this time.</summary>
    public DateTimeOffset? CreatedBefore { get; init; }

    /// <summary>Only workflows that finished (or were cancelled) at or after this time.</summary>
    public DateTimeOffset? CompletedAfter { get; init; }

    /// <summary>Only workflows that finished (or were cancelled) at or before this time.</summary>
    public DateTimeOffset? CompletedBefore { get; init; }

    /// <summary>Only workflows dequeued (started running) at or after this time.</summary>
    public DateTimeOffset? DequeuedAfter { get; init; }

    /// <summary>Only workflows dequeued (started running) at or before this time.</summary>
    public DateTimeOffset? DequeuedBefore { get; init; }

    /// <summary>Only workflows of this application version.</summary>
    public string? ApplicationVersion { get; init; }

    /// <summary>Only workflows of this application (<see cref="DbosOptions.ApplicationName"/>, the <c>application_name</c>
    /// column): when several applications share one system database. Without it, lists show every application's workflows.</summary>
    public string? ApplicationName { get; init; }

    /// <summary>Only workflows last run by this executor.</summary>
    public string? ExecutorId { get; init; }

    /// <summary>Only workflows started by this authenticated user.</summary>
    public string? AuthenticatedUser { get; init; }

    /// <summary>Only workflows on this queue.</summary>
    public string? QueueName { get; init; }

    /// <summary>Only workflows waiting on or running from a queue: on a queue and ENQUEUED, PENDING or DELAYED.</summary>
    public bool QueuesOnly { get; init; }

    /// <summary>Only the children of this workflow.</summary>
    public string? ParentWorkflowId { get; init; }

    /// <summary>Only the forks of this workflow.</summary>
    public string? ForkedFrom { get; init; }

    /// <summary>When set, only workflows that were (true) or were not (false) forked into another one.</summary>
    public bool? WasForkedFrom { get; init; }

    /// <summary>When set, only child workflows (true) or only top-level ones (false).</summary>
    public bool? HasParent { get; init; }

    /// <summary>At most this many rows (a page); null for all. Keep pages small: the query reads one index range.</summary>
    public int? Limit { get; init; }

    /// <summary>Skips this many rows first (the rows of earlier pages).</summary>
    public int? Offset { get; init; }

    /// <summary>Newest first.</summary>
    public bool SortDescending { get; init; }

    /// <summary>Whether each row carries the workflow's input (<see cref="WorkflowStatus.GetInputs"/>). Default true, as in DBOS.</summary>
    public bool LoadInput { get; init; } = true;

    /// <summary>Whether each row carries the workflow's output or error (<see cref="WorkflowStatus.GetOutput{T}"/>). Default true, as in DBOS.</summary>
    public bool LoadOutput { get; init; } = true;
}
