using System;

namespace Dbos;

/// <summary>
/// A workflow to enqueue by name from a <see cref="DbosClient"/>: the queue, the workflow's stored name (<c>[Workflow(Name)]</c> or
/// the method name) and class (<c>[WorkflowClass(Name)]</c> or the class's simple name; null when the name alone is unique), and
/// the options of the enqueue. The names are those <c>dbos workflow list</c> shows, and those a DBOS TypeScript or Python client uses.
/// </summary>
public sealed class EnqueueRequest
{
    /// <param name="queueName">The queue a worker serves (<c>DbosOptions.AddQueue</c> in the worker).</param>
    /// <param name="workflowName">The workflow's stored name.</param>
    /// <param name="className">The workflow's stored class name; null to leave <c>class_name</c> NULL, as other DBOS clients do.</param>
    public EnqueueRequest(string queueName, string workflowName, string? className = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(queueName);
        ArgumentException.ThrowIfNullOrWhiteSpace(workflowName);
        SetWorkflowID.ValidateText(queueName, "A queue name", nameof(queueName));
        SetWorkflowID.ValidateText(workflowName, "A workflow name", nameof(workflowName));
        if (className is not null)
        {
            SetWorkflowID.ValidateText(className, "A class name", nameof(className));
        }

        QueueName = queueName;
        WorkflowName = workflowName;
        ClassName = string.IsNullOrEmpty(className) ? null : className;
    }

    /// <summary>The queue to enqueue on.</summary>
    public string QueueName { get; }

    /// <summary>The workflow's stored name.</summary>
    public string WorkflowName { get; }

    /// <summary>The workflow's stored class name, or null.</summary>
    public string? ClassName { get; }

    /// <inheritdoc cref="WorkflowOptions.WorkflowId"/>
    public string? WorkflowId { get; init; }

    /// <inheritdoc cref="WorkflowOptions.Timeout"/>
    public TimeSpan? Timeout { get; init; }

    /// <inheritdoc cref="WorkflowOptions.DeduplicationId"/>
    public string? DeduplicationId { get; init; }

    /// <inheritdoc cref="WorkflowOptions.Priority"/>
    public int? Priority { get; init; }

    /// <inheritdoc cref="WorkflowOptions.Delay"/>
    public TimeSpan? Delay { get; init; }

    /// <inheritdoc cref="WorkflowOptions.PartitionKey"/>
    public string? PartitionKey { get; init; }

    /// <summary>The application version that may run the workflow. Default: none (NULL), so a worker of the latest registered
    /// version runs it, as with other DBOS clients.</summary>
    public string? ApplicationVersion { get; init; }

    internal WorkflowOptions ToOptions() => new()
    {
        WorkflowId = WorkflowId,
        Timeout = Timeout,
        Queue = QueueName,
        DeduplicationId = DeduplicationId,
        Priority = Priority,
        Delay = Delay,
        PartitionKey = PartitionKey,
        ApplicationVersion = ApplicationVersion,
    };
}
