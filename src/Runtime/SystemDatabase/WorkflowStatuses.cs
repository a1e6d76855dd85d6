namespace Dbos;

/// <summary>The status values DBOS stores in <c>workflow_status.status</c>.</summary>
public static class WorkflowStatuses
{
    public const string Pending = "PENDING";
    public const string Success = "SUCCESS";
    public const string Error = "ERROR";
    public const string MaxRecoveryAttemptsExceeded = "MAX_RECOVERY_ATTEMPTS_EXCEEDED";
    public const string Cancelled = "CANCELLED";
    public const string Enqueued = "ENQUEUED";
    public const string Delayed = "DELAYED";
}
