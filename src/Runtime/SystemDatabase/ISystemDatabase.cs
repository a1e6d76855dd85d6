using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Dbos.SystemDatabase;

/// <summary>
/// The DBOS system database: workflow status, inputs, outcomes and step checkpoints. One implementation
/// per engine (PostgreSQL, SQLite); the executor never sees SQL. Every method is one round trip and, when it
/// writes, one commit. Times are epoch milliseconds.
/// </summary>
internal interface ISystemDatabase : IAsyncDisposable
{
    /// <summary>"postgres" or "sqlite".</summary>
    string Engine { get; }

    /// <summary>Creates or upgrades the schema to version 123; idempotent and safe when several processes run
    /// it at once. A database already at a higher version (migrated by a newer DBOS) is accepted as it is.
    /// Throws <see cref="DbosInitializationException"/> with a clear message when the database cannot be reached.</summary>
    Task MigrateAsync(CancellationToken cancellationToken);

    /// <summary>Inserts the workflow's status row (and its input in <c>workflow_input</c>) in one transaction,
    /// or, when the ID exists, touches <c>updated_at</c> and returns the existing row's identity and state.
    /// The caller executes the body only when <see cref="InsertWorkflowResult.OwnerXid"/> equals its own token.</summary>
    Task<InsertWorkflowResult> InsertWorkflowStatusAsync(WorkflowStatusInsert row, CancellationToken cancellationToken);

    /// <summary>Writes the terminal outcome (SUCCESS or ERROR) with its output or error in <c>workflow_output</c>,
    /// sets <c>completed_at</c>, clears <c>deduplication_id</c>, only where the row is PENDING and still owned
    /// by <paramref name="ownerXid"/>. Returns false when that condition did not hold (nothing written).</summary>
    Task<bool> RecordWorkflowOutcomeAsync(string workflowId, string ownerXid, WorkflowOutcome outcome, CancellationToken cancellationToken);

    /// <summary>The status row, or null. With <paramref name="loadPayloads"/>, inputs/output/error are read
    /// from the payload tables with a fallback to the legacy columns (COALESCE).</summary>
    Task<WorkflowStatusRow?> GetWorkflowStatusAsync(string workflowId, bool loadPayloads, CancellationToken cancellationToken);

    /// <summary>Every recorded operation of the workflow, ordered by function id.</summary>
    Task<IReadOnlyList<OperationRecord>> GetOperationsAsync(string workflowId, CancellationToken cancellationToken);

    /// <summary>Records one operation's outcome. If (workflow, function id) is already recorded, nothing is
    /// written and the existing record is returned; otherwise null is returned.</summary>
    Task<OperationRecord?> RecordOperationAsync(string workflowId, OperationRecord operation, CancellationToken cancellationToken);

    /// <summary>PENDING workflows of this executor and application version.</summary>
    Task<IReadOnlyList<PendingWorkflow>> GetPendingWorkflowsAsync(string executorId, string applicationVersion, CancellationToken cancellationToken);

    /// <summary>Claims a PENDING workflow for recovery: where it is still PENDING and owned by
    /// <paramref name="expectedOwnerXid"/>, sets the new owner and executor and increments
    /// <c>recovery_attempts</c>, returning the updated row with its inputs. Null when another process claimed it first.</summary>
    Task<WorkflowStatusRow?> ClaimForRecoveryAsync(string workflowId, string expectedOwnerXid, string newOwnerXid, string executorId, CancellationToken cancellationToken);

    /// <summary>Dead-letters a workflow: status MAX_RECOVERY_ATTEMPTS_EXCEEDED, completed_at set, queue/dedup/started cleared.</summary>
    Task MarkMaxRecoveryAttemptsExceededAsync(string workflowId, CancellationToken cancellationToken);

    /// <summary>Registers the application version in <c>application_versions</c> (idempotent) and returns
    /// whether it is now the latest one.</summary>
    Task<bool> RegisterApplicationVersionAsync(string version, string? applicationName, CancellationToken cancellationToken);
}

/// <summary>The row a workflow start inserts. <see cref="Inputs"/> is already serialized.</summary>
internal sealed record WorkflowStatusInsert(
    string WorkflowId,
    string Status,
    string Name,
    string? ClassName,
    string? ConfigName,
    string? Inputs,
    string Serialization,
    string ExecutorId,
    string ApplicationVersion,
    string? ApplicationName,
    string OwnerXid,
    long CreatedAt,
    string? ParentWorkflowId = null,
    string? QueueName = null,
    long? TimeoutMs = null,
    long? DeadlineEpochMs = null,
    string? AuthenticatedUser = null,
    string? AssumedRole = null,
    string? AuthenticatedRoles = null,
    string? Request = null,
    int RecoveryAttempts = 1);

/// <summary>What the insert found: the row as it now is. <c>Inserted</c> is true when this call created it.</summary>
internal sealed record InsertWorkflowResult(
    string Status,
    string? Name,
    string? ClassName,
    string? ConfigName,
    string? QueueName,
    string? OwnerXid,
    long? DeadlineEpochMs,
    string? Serialization,
    bool Inserted);

/// <summary>A terminal outcome: Status is SUCCESS (with Output) or ERROR (with Error).</summary>
internal sealed record WorkflowOutcome(string Status, string? Output, string? Error, string Serialization, long CompletedAt);

internal sealed record WorkflowStatusRow(
    string WorkflowId,
    string Status,
    string? Name,
    string? ClassName,
    string? ConfigName,
    string? AuthenticatedUser,
    string? AssumedRole,
    string? AuthenticatedRoles,
    string? Request,
    string? ExecutorId,
    string? ApplicationVersion,
    string? ApplicationName,
    long CreatedAt,
    long UpdatedAt,
    long RecoveryAttempts,
    string? QueueName,
    long? TimeoutMs,
    long? DeadlineEpochMs,
    string? ParentWorkflowId,
    string? OwnerXid,
    string? Serialization,
    long? CompletedAt,
    string? Inputs,
    string? Output,
    string? Error);

/// <summary>One row of <c>operation_outputs</c>.</summary>
internal sealed record OperationRecord(
    int FunctionId,
    string FunctionName,
    string? Output,
    string? Error,
    string? Serialization,
    string? ChildWorkflowId = null,
    long? StartedAt = null,
    long? CompletedAt = null);

internal sealed record PendingWorkflow(string WorkflowId, string? Name, string? ClassName, string? OwnerXid, long RecoveryAttempts, string? QueueName);
