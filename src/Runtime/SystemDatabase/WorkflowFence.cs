using System;

namespace Dbos.SystemDatabase;

/// <summary>
/// Every checkpoint write is fenced: it lands only while the workflow is PENDING and owned by the writing execution's
/// token, checked in the same statement as the write. A refused write means the workflow was cancelled or finished, or
/// another execution took it over (a recovery elsewhere); the execution stops there instead of writing more.
/// </summary>
internal static class WorkflowFence
{
    /// <summary>The error a refused write raises, from the status the fence found (null when the row is gone).</summary>
    public static DbosException Refused(string workflowId, string? status) => status switch
    {
        WorkflowStatuses.Cancelled => new WorkflowCancelledException(workflowId),
        null => new NonExistentWorkflowException(workflowId),
        WorkflowStatuses.Pending or WorkflowStatuses.Enqueued => new WorkflowConflictIdException(workflowId,
            $"Workflow {workflowId} is now owned by another execution (it was recovered by another process while this one ran it); " +
            "this execution stopped at its next durable operation and the other one finishes it. Give each process its own executor id (DBOS__VMID or DbosOptions.ExecutorId)."),
        _ => new WorkflowConflictIdException(workflowId,
            $"Workflow {workflowId} already has the outcome {status}, recorded by another execution; this execution stopped at its next durable operation."),
    };

    /// <summary>Whether an error is a refused checkpoint write: the execution must stop and record nothing more.</summary>
    public static bool IsRefusal(Exception e) => e is WorkflowCancelledException or WorkflowConflictIdException;
}
