using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Dbos;

/// <summary>Operating workflows from code: the same calls as on <see cref="DbosRuntime"/>, on the current runtime (inside a
/// workflow, the one running it, and recorded as operations of that workflow).</summary>
public static partial class DBOS
{
    /// <inheritdoc cref="DbosRuntime.ListApplicationVersionsAsync(CancellationToken)"/>
    public static Task<IReadOnlyList<ApplicationVersionInfo>> ListApplicationVersionsAsync(CancellationToken cancellationToken = default)
        => DbosRuntime.Resolve(null).ListApplicationVersionsAsync(cancellationToken);

    /// <inheritdoc cref="DbosRuntime.SetLatestApplicationVersionAsync(string, CancellationToken)"/>
    public static Task SetLatestApplicationVersionAsync(string versionName, CancellationToken cancellationToken = default)
        => DbosRuntime.Resolve(null).SetLatestApplicationVersionAsync(versionName, cancellationToken);

    /// <inheritdoc cref="DbosRuntime.GetWorkflowStatusAsync(string, CancellationToken)"/>
    public static Task<WorkflowStatus?> GetWorkflowStatusAsync(string workflowId, CancellationToken cancellationToken = default)
        => DbosRuntime.Resolve(null).GetWorkflowStatusAsync(workflowId, cancellationToken);

    /// <inheritdoc cref="DbosRuntime.ListWorkflowsAsync(WorkflowFilter?, CancellationToken)"/>
    public static Task<IReadOnlyList<WorkflowStatus>> ListWorkflowsAsync(WorkflowFilter? filter = null, CancellationToken cancellationToken = default)
        => DbosRuntime.Resolve(null).ListWorkflowsAsync(filter, cancellationToken);

    /// <inheritdoc cref="DbosRuntime.ListQueuedWorkflowsAsync(WorkflowFilter?, CancellationToken)"/>
    public static Task<IReadOnlyList<WorkflowStatus>> ListQueuedWorkflowsAsync(WorkflowFilter? filter = null, CancellationToken cancellationToken = default)
        => DbosRuntime.Resolve(null).ListQueuedWorkflowsAsync(filter, cancellationToken);

    /// <inheritdoc cref="DbosRuntime.ListWorkflowStepsAsync(string, CancellationToken)"/>
    public static Task<IReadOnlyList<WorkflowStep>> ListWorkflowStepsAsync(string workflowId, CancellationToken cancellationToken = default)
        => DbosRuntime.Resolve(null).ListWorkflowStepsAsync(workflowId, cancellationToken);

    /// <inheritdoc cref="DbosRuntime.CancelWorkflowAsync(string, bool, CancellationToken)"/>
    public static Task CancelWorkflowAsync(string workflowId, bool cancelChildren = false, CancellationToken cancellationToken = default)
        => DbosRuntime.Resolve(null).CancelWorkflowAsync(workflowId, cancelChildren, cancellationToken);

    /// <inheritdoc cref="DbosRuntime.ResumeWorkflowAsync{TResult}(string, string?, CancellationToken)"/>
    public static Task<WorkflowHandle<TResult>> ResumeWorkflowAsync<TResult>(string workflowId, string? queueName = null, CancellationToken cancellationToken = default)
        => DbosRuntime.Resolve(null).ResumeWorkflowAsync<TResult>(workflowId, queueName, cancellationToken);

    /// <inheritdoc cref="DbosRuntime.ResumeWorkflowAsync{TResult}(string, string?, CancellationToken)"/>
#pragma warning disable RS0026 // The typed and untyped forms take the same optional parameters.
    public static Task<WorkflowHandle> ResumeWorkflowAsync(string workflowId, string? queueName = null, CancellationToken cancellationToken = default)
#pragma warning restore RS0026
        => DbosRuntime.Resolve(null).ResumeWorkflowAsync(workflowId, queueName, cancellationToken);

    /// <inheritdoc cref="DbosRuntime.ForkWorkflowAsync{TResult}(string, int, WorkflowOptions?, CancellationToken)"/>
    public static Task<WorkflowHandle<TResult>> ForkWorkflowAsync<TResult>(string workflowId, int startStep, WorkflowOptions? options = null, CancellationToken cancellationToken = default)
        => DbosRuntime.Resolve(null).ForkWorkflowAsync<TResult>(workflowId, startStep, options, cancellationToken);

    /// <inheritdoc cref="DbosRuntime.ForkWorkflowAsync{TResult}(string, int, WorkflowOptions?, CancellationToken)"/>
#pragma warning disable RS0026 // The typed and untyped forms take the same optional parameters.
    public static Task<WorkflowHandle> ForkWorkflowAsync(string workflowId, int startStep, WorkflowOptions? options = null, CancellationToken cancellationToken = default)
#pragma warning restore RS0026
        => DbosRuntime.Resolve(null).ForkWorkflowAsync(workflowId, startStep, options, cancellationToken);

    /// <inheritdoc cref="DbosRuntime.DeleteWorkflowAsync(string, bool, CancellationToken)"/>
    public static Task DeleteWorkflowAsync(string workflowId, bool deleteChildren = false, CancellationToken cancellationToken = default)
        => DbosRuntime.Resolve(null).DeleteWorkflowAsync(workflowId, deleteChildren, cancellationToken);

    /// <inheritdoc cref="DbosRuntime.GarbageCollectAsync(TimeSpan?, int?, CancellationToken)"/>
    public static Task<long> GarbageCollectAsync(TimeSpan? olderThan = null, int? keepRows = null, CancellationToken cancellationToken = default)
        => DbosRuntime.Resolve(null).GarbageCollectAsync(olderThan, keepRows, cancellationToken);
}
