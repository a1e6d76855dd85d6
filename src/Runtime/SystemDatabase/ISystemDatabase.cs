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
internal partial interface ISystemDatabase : IAsyncDisposable
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

    /// <summary>Records one operation's outcome, fenced: only while the workflow is PENDING and owned by
    /// <paramref name="ownerXid"/> (checked in the same statement), else nothing is written and
    /// <see cref="WorkflowFence.Refused"/>'s exception is thrown (cancelled, or another execution owns it). If
    /// (workflow, function id) is already recorded, nothing is written and the existing record is returned; otherwise null.</summary>
    Task<OperationRecord?> RecordOperationAsync(string workflowId, string ownerXid, OperationRecord operation, CancellationToken cancellationToken);

    /// <summary>PENDING workflows of this executor and application version.</summary>
    Task<IReadOnlyList<PendingWorkflow>> GetPendingWorkflowsAsync(string executorId, string applicationVersion, CancellationToken cancellationToken);

    /// <summary>The runtime instances other than <paramref name="exceptInstance"/> whose owner tokens (<c>dn1:</c>, see
    /// <see cref="Internal.OwnerTokens"/>) hold PENDING workflows of this application version, of any executor id.</summary>
    Task<IReadOnlyList<string>> GetPendingOwnerInstancesAsync(string applicationVersion, string exceptInstance, CancellationToken cancellationToken);

    /// <summary>PENDING workflows of this application version owned by one of <paramref name="instances"/>, oldest first.</summary>
    Task<IReadOnlyList<PendingWorkflow>> GetPendingWorkflowsOfInstancesAsync(IReadOnlyList<string> instances, string applicationVersion, CancellationToken cancellationToken);

    /// <summary>Claims PENDING workflows for recovery in one round trip: each where it is still PENDING and owned by its
    /// <see cref="RecoveryClaim.ExpectedOwnerXid"/>, sets the new owner and executor and increments <c>recovery_attempts</c>.
    /// Returns the claimed ones (updated rows with inputs, and their recorded operations); the others were claimed by
    /// another process first.</summary>
    Task<IReadOnlyList<ClaimedWorkflow>> ClaimForRecoveryAsync(IReadOnlyList<RecoveryClaim> claims, string executorId, CancellationToken cancellationToken);

    /// <summary>Dead-letters a workflow: status MAX_RECOVERY_ATTEMPTS_EXCEEDED, completed_at set, queue/dedup/started cleared.</summary>
    Task MarkMaxRecoveryAttemptsExceededAsync(string workflowId, CancellationToken cancellationToken);

    /// <summary>Registers the application version in <c>application_versions</c> (idempotent) and returns
    /// whether it is now the latest one.</summary>
    Task<bool> RegisterApplicationVersionAsync(string version, string? applicationName, CancellationToken cancellationToken);

    // Messages and events.

    /// <summary>Inserts a message for <paramref name="destinationId"/> (ON CONFLICT (message_uuid) DO NOTHING, so an
    /// idempotency key delivers once). Its <c>created_at_epoch_ms</c> is later than every earlier message to the same
    /// destination and topic, so FIFO order holds for messages sent one after another even within a millisecond.
    /// With <paramref name="operation"/> (a send inside workflow <paramref name="senderWorkflowId"/>), the operation is recorded in the same transaction;
    /// when it was already recorded nothing is written and the existing record is returned.
    /// Throws <see cref="NonExistentWorkflowException"/> when the destination workflow does not exist.
    /// The operation is fenced by <paramref name="senderOwnerXid"/> as in <see cref="RecordOperationAsync"/>.</summary>
    Task<OperationRecord?> SendMessageAsync(string destinationId, string topic, string message, string serialization, string messageUuid, string? senderWorkflowId, string? senderOwnerXid, OperationRecord? operation, CancellationToken cancellationToken);

    /// <summary>The oldest unconsumed message for the workflow on the topic, without consuming it.</summary>
    Task<StoredMessage?> PeekMessageAsync(string workflowId, string topic, CancellationToken cancellationToken);

    /// <summary>In one transaction: records <paramref name="operation"/> with the message as its output (and the message's
    /// serialization), marks the message consumed by that function id, and records <paramref name="timeout"/> (the receive's
    /// <c>DBOS.sleep</c> row, when it was not written yet) unless one is already recorded at its function id. Fenced by
    /// <paramref name="ownerXid"/> as in <see cref="RecordOperationAsync"/>.</summary>
    Task<ConsumeResult> ConsumeMessageAsync(string workflowId, string ownerXid, string messageUuid, OperationRecord operation, OperationRecord? timeout, CancellationToken cancellationToken);

    /// <summary>In one transaction: upserts the event, upserts its history row at <paramref name="functionId"/>, and records
    /// <paramref name="operation"/> when given (a set inside a workflow; a set inside a step passes null). When the operation
    /// was already recorded nothing is written and the existing record is returned. Readers are woken after the commit
    /// (PostgreSQL: NOTIFY on <c>dbos_workflow_events_channel</c>). With an operation, fenced by <paramref name="ownerXid"/>
    /// as in <see cref="RecordOperationAsync"/>.</summary>
    Task<OperationRecord?> SetEventAsync(string workflowId, string? ownerXid, string key, string value, string serialization, int functionId, OperationRecord? operation, CancellationToken cancellationToken);

    /// <summary>The event's latest value, or null when it has not been set.</summary>
    Task<StoredValue?> GetEventAsync(string workflowId, string key, CancellationToken cancellationToken);

    /// <summary>Whether <see cref="StartListeningAsync"/> delivers notifications written by other processes
    /// (PostgreSQL LISTEN). Without it, waiters poll.</summary>
    bool NotifiesOtherProcesses { get; }

    /// <summary>Starts delivering wake-ups for messages (<paramref name="onMessage"/>) and events (<paramref name="onEvent"/>)
    /// with the DBOS payload <c>"{workflowId}::{topic or key}"</c>, until <paramref name="stopping"/> is cancelled.
    /// <paramref name="onReconnect"/> is called after the listener lost its connection, since notifications may have been missed.
    /// It also marks <paramref name="instance"/> alive for as long as the runtime runs, so other processes can tell that its
    /// workflows are owned by a live process (<see cref="IsInstanceGoneAsync"/>): on PostgreSQL a session advisory lock on the
    /// listener connection (taken again after a reconnect), on SQLite a locked file beside the database. Returns false when
    /// another live runtime already uses the same executor id.</summary>
    Task<bool> StartListeningAsync(LiveInstance instance, Action<string> onMessage, Action<string> onEvent, Action<string> onQueue, Action onReconnect, CancellationToken stopping);

    // Queues.

    /// <summary>Stores the queues' configuration in <c>queues</c> (insert, or update the row with the same name), as DBOS does.</summary>
    Task UpsertQueuesAsync(IReadOnlyList<WorkflowQueue> queues, CancellationToken cancellationToken);

    /// <summary>DELAYED workflows of the queue whose delay has passed become ENQUEUED. Returns when the next of the queue's DELAYED
    /// workflows is due (epoch milliseconds), or null when none is left.</summary>
    Task<long?> ReleaseDelayedAsync(string queueName, CancellationToken cancellationToken);

    /// <summary>Claims up to the request's budget of ENQUEUED workflows of a queue in priority then enqueue order, within the queue's
    /// global, rate and partition limits (DBOS's algorithm: repeatable read with NOWAIT when a limit is shared, else read committed with
    /// SKIP LOCKED). Each claimed row becomes PENDING with a new owner token of <see cref="DequeueRequest.InstanceId"/>. Returns the
    /// claimed workflows (none when there is nothing to take), and whether another process held the rows or changed them meanwhile
    /// (<see cref="DequeueResult.Contended"/>: worth trying again soon).</summary>
    Task<DequeueResult> DequeueAsync(DequeueRequest request, CancellationToken cancellationToken);

    /// <summary>How many workflows are ENQUEUED on each of the queues (every name present, zero when none).</summary>
    Task<IReadOnlyDictionary<string, long>> GetQueueDepthsAsync(IReadOnlyList<string> queueNames, CancellationToken cancellationToken);

    /// <summary>The partition keys with ENQUEUED workflows on a partitioned queue.</summary>
    Task<IReadOnlyList<string>> GetEnqueuedPartitionsAsync(string queueName, CancellationToken cancellationToken);

    /// <summary>Recovery of queued work: each PENDING workflow still owned by its <see cref="RecoveryClaim.ExpectedOwnerXid"/> goes back
    /// to ENQUEUED on its queue (started-at cleared), so it runs within the queue's limits again. Returns the IDs re-enqueued.</summary>
    Task<IReadOnlyList<string>> ReenqueueAsync(IReadOnlyList<RecoveryClaim> claims, CancellationToken cancellationToken);

    /// <summary>Whether the runtime instance <paramref name="instanceId"/> is provably gone: its liveness mark is not held.</summary>
    Task<bool> IsInstanceGoneAsync(string instanceId, CancellationToken cancellationToken);

    /// <summary>One round trip that reads the schema version (health checks); throws when the database cannot be used.</summary>
    Task PingAsync(CancellationToken cancellationToken);

    /// <summary>The schema's migration version, or null when there is no DBOS schema (no database, file or bookkeeping table),
    /// without creating or changing anything (the external client never migrates). Throws <see cref="DbosInitializationException"/>
    /// with the runtime's message when the database cannot be reached.</summary>
    Task<long?> ReadSchemaVersionAsync(CancellationToken cancellationToken);

    /// <summary>Deletes the DBOS schema with every workflow, step, message and event in it (<c>dbos reset</c>): PostgreSQL drops
    /// the schema, SQLite drops the tables of the file. A later start (or <c>dbos migrate</c>) creates it again.</summary>
    Task DropSchemaAsync(CancellationToken cancellationToken);

    /// <summary>Whether the notification listener holds its LISTEN connection now; null for engines without one.</summary>
    bool? ListenerConnected { get; }
}

internal sealed record StoredMessage(string MessageUuid, string Message, string? Serialization);

internal sealed record StoredValue(string Value, string? Serialization);

/// <summary><see cref="Consumed"/>: this call recorded the message. Else <see cref="Existing"/> is the operation another
/// execution recorded first, or null when the message was consumed by someone else (nothing written).</summary>
internal readonly record struct ConsumeResult(bool Consumed, OperationRecord? Existing);

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
    string? ApplicationVersion,
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
    int RecoveryAttempts = 1,
    string? Attributes = null,
    string? DeduplicationId = null,
    int? Priority = null,
    string? PartitionKey = null,
    long? DelayUntilEpochMs = null,
    string? ScheduleName = null);

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
    string? Error,
    string? Attributes = null);

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

/// <summary>One dequeue: the queue, this process's budget (at most <see cref="MaxTasks"/>), the queue's shared limits, and who claims.</summary>
internal sealed record DequeueRequest(
    string QueueName,
    int MaxTasks,
    int? GlobalConcurrency,
    QueueRateLimit? RateLimit,
    string? PartitionKey,
    string InstanceId,
    string ExecutorId,
    string ApplicationVersion,
    bool IsLatestVersion,
    string? ApplicationName);

/// <summary>This runtime as other processes see it: its instance id (inside its owner tokens) and executor id.</summary>
internal sealed record LiveInstance(string InstanceId, string ExecutorId);

/// <summary>One workflow to claim for recovery: it is claimed only while still owned by <see cref="ExpectedOwnerXid"/>.</summary>
internal sealed record RecoveryClaim(string WorkflowId, string? ExpectedOwnerXid, string NewOwnerXid);

/// <summary>A workflow claimed for recovery: its row (with inputs) and the operations recorded so far.</summary>
internal sealed record ClaimedWorkflow(WorkflowStatusRow Row, IReadOnlyList<OperationRecord> Operations);

/// <summary>What one dequeue claimed; <see cref="Contended"/> when it lost the head rows to another process.</summary>
internal sealed record DequeueResult(IReadOnlyList<ClaimedWorkflow> Claimed, bool Contended)
{
    public static readonly DequeueResult Nothing = new([], false);

    public static readonly DequeueResult Lost = new([], true);
}

internal sealed record PendingWorkflow(string WorkflowId, string? Name, string? ClassName, string? OwnerXid, long RecoveryAttempts, string? QueueName);
