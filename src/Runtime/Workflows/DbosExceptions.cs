using System;
using System.Collections.Generic;
using System.Linq;

namespace Dbos;

/// <summary>The DBOS error codes (the same numbers as DBOS Transact).</summary>
public enum DbosErrorCode
{
    ConflictingId = 1,
    Recovery = 2,
    Initialization = 3,
    WorkflowFunctionNotFound = 4,
    NonExistentWorkflow = 5,
    MaxRecoveryAttemptsExceeded = 6,
    MaxStepRetriesExceeded = 7,
    NotAuthorized = 8,
    ConflictingWorkflow = 9,
    WorkflowCancelled = 10,
    UnexpectedStep = 11,
    QueueDeduplicated = 12,
    AwaitedWorkflowCancelled = 13,
    AwaitedWorkflowMaxRecoveryAttemptsExceeded = 14,
    Serialization = 100,
}

/// <summary>Base class of the errors the DBOS runtime raises.</summary>
public class DbosException : Exception
{
    public DbosException(DbosErrorCode code, string message, Exception? innerException = null)
        : base(message, innerException) => ErrorCode = code;

    public DbosErrorCode ErrorCode { get; }
}

/// <summary>The system database could not be reached or prepared at start.</summary>
public sealed class DbosInitializationException : DbosException
{
    public DbosInitializationException(string message, Exception? innerException = null)
        : base(DbosErrorCode.Initialization, message, innerException) { }
}

/// <summary>A workflow with this ID already exists and was started by a different workflow function.</summary>
public sealed class ConflictingWorkflowException : DbosException
{
    public ConflictingWorkflowException(string workflowId, string existingName, string requestedName)
        : base(DbosErrorCode.ConflictingWorkflow,
            $"Workflow '{workflowId}' already exists with a different function name: {existingName}, but the provided function name is: {requestedName}. " +
            "Use a different workflow ID for a different workflow.")
    {
        WorkflowId = workflowId;
        ExistingName = existingName;
        RequestedName = requestedName;
    }

    public string WorkflowId { get; }
    public string ExistingName { get; }
    public string RequestedName { get; }
}

/// <summary>Re-execution of a workflow called a different operation than the one recorded at the same
/// step: the workflow is not deterministic.</summary>
public sealed class UnexpectedStepException : DbosException
{
    public UnexpectedStepException(string workflowId, int stepId, string expectedName, string recordedName)
        : base(DbosErrorCode.UnexpectedStep,
            $"During execution of workflow {workflowId} step {stepId}, function {recordedName} was recorded when {expectedName} was expected. " +
            (recordedName.StartsWith("DBOS.patch-", StringComparison.Ordinal) || expectedName.StartsWith("DBOS.patch-", StringComparison.Ordinal)
                ? "Check that your patches are backward compatible (the old branch keeps the old steps), that no older code recovers workflows started with newer patches, and that your workflow is deterministic (docs/versioning.md)."
                : "Check that your workflow is deterministic: it must call the same steps in the same order on every execution; move clocks, random numbers and I/O into steps."))
    {
        WorkflowId = workflowId;
        StepId = stepId;
        ExpectedName = expectedName;
        RecordedName = recordedName;
    }

    public string WorkflowId { get; }
    public int StepId { get; }
    public string ExpectedName { get; }
    public string RecordedName { get; }
}

/// <summary>A step with retries failed on every allowed attempt. <see cref="Errors"/> holds each attempt's exception.</summary>
public sealed class MaxStepRetriesExceededException : DbosException
{
    public MaxStepRetriesExceededException(string stepName, int maxAttempts, IReadOnlyList<Exception> errors)
        : base(DbosErrorCode.MaxStepRetriesExceeded,
            $"Step {stepName} has exceeded its maximum of {maxAttempts} attempts. Last error: {errors.LastOrDefault()?.Message}",
            errors.Count > 0 ? new AggregateException(errors) : null)
    {
        StepName = stepName;
        MaxAttempts = maxAttempts;
        Errors = errors;
    }

    public string StepName { get; }
    public int MaxAttempts { get; }
    public IReadOnlyList<Exception> Errors { get; }
}

/// <summary>Recovery restarted this workflow more times than its <c>MaxRecoveryAttempts</c>; it is dead-lettered.</summary>
public sealed class MaxRecoveryAttemptsExceededException : DbosException
{
    public MaxRecoveryAttemptsExceededException(string workflowId, int maxRecoveryAttempts)
        : base(DbosErrorCode.MaxRecoveryAttemptsExceeded,
            $"Workflow {workflowId} has exceeded its maximum of {maxRecoveryAttempts} recovery attempts and was marked MAX_RECOVERY_ATTEMPTS_EXCEEDED. " +
            "Find why it keeps crashing, then resume it.")
    {
        WorkflowId = workflowId;
    }

    public string WorkflowId { get; }
}

/// <summary>The awaited workflow was dead-lettered after too many recovery attempts.</summary>
public sealed class AwaitedWorkflowMaxRecoveryAttemptsExceededException : DbosException
{
    public AwaitedWorkflowMaxRecoveryAttemptsExceededException(string workflowId)
        : base(DbosErrorCode.AwaitedWorkflowMaxRecoveryAttemptsExceeded,
            $"Awaited workflow {workflowId} has exceeded its maximum recovery attempts and was marked MAX_RECOVERY_ATTEMPTS_EXCEEDED.")
        => WorkflowId = workflowId;

    public string WorkflowId { get; }
}

/// <summary>The awaited workflow was cancelled.</summary>
public sealed class AwaitedWorkflowCancelledException : DbosException
{
    public AwaitedWorkflowCancelledException(string workflowId)
        : base(DbosErrorCode.AwaitedWorkflowCancelled, $"Awaited workflow {workflowId} was cancelled.")
        => WorkflowId = workflowId;

    public string WorkflowId { get; }
}

/// <summary>No workflow with this ID exists.</summary>
public sealed class NonExistentWorkflowException : DbosException
{
    public NonExistentWorkflowException(string workflowId)
        : base(DbosErrorCode.NonExistentWorkflow, $"Workflow {workflowId} does not exist.")
        => WorkflowId = workflowId;

    public string WorkflowId { get; }
}

/// <summary>The workflow's name is not registered in this process (no <c>[Workflow]</c> method has it).</summary>
public sealed class WorkflowFunctionNotFoundException : DbosException
{
    public WorkflowFunctionNotFoundException(string workflowId, string name)
        : base(DbosErrorCode.WorkflowFunctionNotFound,
            $"Workflow {workflowId} has the name '{name}', which no [Workflow] method of this application is registered under. " +
            "Deploy the code that defines it, or give the renamed method [Workflow(Name = \"...\")] with the old name.")
    {
        WorkflowId = workflowId;
        Name = name;
    }

    public string WorkflowId { get; }
    public string Name { get; }
}

/// <summary>Another execution of this workflow recorded an outcome first, or took the workflow over (this process lost
/// ownership of it); this execution stopped at its next durable operation and parked on the other's outcome.</summary>
public sealed class WorkflowConflictIdException : DbosException
{
    public WorkflowConflictIdException(string workflowId)
        : this(workflowId, $"Conflicting workflow ID {workflowId}: another execution of this workflow recorded its result first.")
    {
    }

    internal WorkflowConflictIdException(string workflowId, string message)
        : base(DbosErrorCode.ConflictingId, message)
        => WorkflowId = workflowId;

    public string WorkflowId { get; }
}

/// <summary>The running workflow was cancelled: it stops at its next durable operation (step, transaction, send,
/// receive, event, sleep, child workflow) without recording anything more.</summary>
public sealed class WorkflowCancelledException : DbosException
{
    public WorkflowCancelledException(string workflowId)
        : base(DbosErrorCode.WorkflowCancelled, $"Workflow {workflowId} was cancelled; it stopped at its next durable operation. Resume it to run it again.")
        => WorkflowId = workflowId;

    public string WorkflowId { get; }
}

/// <summary>A value could not be serialized or deserialized by the configured serializer.</summary>
public sealed class DbosSerializationException : DbosException
{
    public DbosSerializationException(string message, Exception? innerException = null)
        : base(DbosErrorCode.Serialization, message, innerException) { }
}

/// <summary>
/// An error recorded by another process or language (or of a type that cannot be recreated here), as stored
/// in portable JSON: <c>{"name","message","code","data"}</c>.
/// </summary>
public sealed class PortableWorkflowException : Exception
{
    public PortableWorkflowException(string name, string message, string? code, string? data)
        : base(message)
    {
        ErrorName = name;
        Code = code;
        ErrorData = data;
    }

    /// <summary>The error's type name as recorded (e.g. <c>System.InvalidOperationException</c> or <c>ValueError</c>).</summary>
    public string ErrorName { get; }

    /// <summary>The recorded error code, if any, as JSON text.</summary>
    public string? Code { get; }

    /// <summary>The recorded data, if any, as JSON text.</summary>
    public string? ErrorData { get; }
}

/// <summary>A workflow with the same deduplication ID is already ENQUEUED or PENDING on the queue.</summary>
public sealed class QueueDeduplicatedException : DbosException
{
    public QueueDeduplicatedException(string workflowId, string queueName, string deduplicationId)
        : base(DbosErrorCode.QueueDeduplicated,
            $"Workflow {workflowId} was not enqueued: a workflow with deduplication ID '{deduplicationId}' is already enqueued or running on queue '{queueName}'. " +
            "Wait for it to finish, or use another deduplication ID.")
    {
        WorkflowId = workflowId;
        QueueName = queueName;
        DeduplicationId = deduplicationId;
    }

    public string WorkflowId { get; }
    public string QueueName { get; }
    public string DeduplicationId { get; }
}
