using System;
using System.Threading;
using System.Threading.Tasks;
using Dbos.Internal;

namespace Dbos;

/// <summary>
/// The DBOS façade: context methods and variables for workflow code. Calls made inside a workflow act on that
/// workflow; calls made outside one use the running <see cref="DbosRuntime"/>.
/// </summary>
#pragma warning disable CA1724 // The name is DBOS's public API.
public static partial class DBOS
#pragma warning restore CA1724
{
    /// <summary>The ID of the current workflow. May only be accessed inside a workflow or a step.</summary>
    /// <exception cref="InvalidOperationException">Outside a workflow or step.</exception>
    public static string WorkflowId => DbosAmbient.Current?.Workflow?.WorkflowId
        ?? throw new InvalidOperationException("DBOS.WorkflowId may only be accessed inside a workflow or a step (a [Workflow] or [Step] method, or code they call).");

    /// <summary>
    /// Starts a workflow in the background and returns its handle once the workflow is durably recorded: from then on
    /// it runs to completion even if this process dies. Pass a lambda that calls the workflow:
    /// <c>var handle = await DBOS.StartWorkflowAsync(() => orders.PlaceOrder(42));</c>
    /// </summary>
    public static async Task<WorkflowHandle<TResult>> StartWorkflowAsync<TResult>(Func<Task<TResult>> workflowCall)
        => (WorkflowHandle<TResult>)await StartCoreAsync(workflowCall).ConfigureAwait(false);

    /// <inheritdoc cref="StartWorkflowAsync{TResult}(Func{Task{TResult}})"/>
    public static Task<WorkflowHandle> StartWorkflowAsync(Func<Task> workflowCall) => StartCoreAsync(workflowCall);

    /// <summary>Starts a synchronous workflow in the background: <c>DBOS.StartWorkflow(() => reports.Build(day))</c>.</summary>
    public static WorkflowHandle<TResult> StartWorkflow<TResult>(Func<TResult> workflowCall)
    {
        ArgumentNullException.ThrowIfNull(workflowCall);
        return (WorkflowHandle<TResult>)SyncOverAsync.Run(() => StartCoreAsync(() => Task.FromResult(workflowCall())));
    }

    /// <inheritdoc cref="StartWorkflow{TResult}(Func{TResult})"/>
    public static WorkflowHandle StartWorkflow(Action workflowCall)
    {
        ArgumentNullException.ThrowIfNull(workflowCall);
        return SyncOverAsync.Run(() => StartCoreAsync(() =>
        {
            workflowCall();
            return Task.CompletedTask;
        }));
    }

    private static async Task<WorkflowHandle> StartCoreAsync(Func<Task> workflowCall)
    {
        ArgumentNullException.ThrowIfNull(workflowCall);
        var request = new StartRequest();
        Task call;
        using (DbosAmbient.Push((DbosAmbient.Current ?? new DbosAmbient()) with { StartRequest = request }))
        {
            try
            {
                call = workflowCall();
            }
            catch (Exception e)
            {
                call = Task.FromException(e);
            }
        }

        // The workflow's own completion is observed through the handle, not through this task.
        _ = call.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        if (!request.Taken)
        {
            await call.ConfigureAwait(false);
            throw new ArgumentException(
                "DBOS.StartWorkflow needs a lambda that calls a [Workflow] method directly, e.g. DBOS.StartWorkflowAsync(() => orders.PlaceOrder(42)). " +
                "The lambda made no workflow call that the Dbos generator intercepted (is the method marked [Workflow] and its class partial?).",
                nameof(workflowCall));
        }

        return await request.Handle.Task.ConfigureAwait(false);
    }

    /// <summary>A handle to the workflow with this ID, started by any process. Throws
    /// <see cref="NonExistentWorkflowException"/> if there is none, unless <paramref name="existingWorkflow"/> is false,
    /// in which case it waits for the workflow to be created.</summary>
    public static Task<WorkflowHandle<TResult>> RetrieveWorkflowAsync<TResult>(string workflowId, bool existingWorkflow = true, CancellationToken cancellationToken = default)
        => DbosRuntime.Resolve(null).RetrieveWorkflowAsync<TResult>(workflowId, existingWorkflow, cancellationToken);

    /// <inheritdoc cref="RetrieveWorkflowAsync{TResult}(string, bool, CancellationToken)"/>
    public static WorkflowHandle<TResult> RetrieveWorkflow<TResult>(string workflowId, bool existingWorkflow = true)
        => SyncOverAsync.Run(() => RetrieveWorkflowAsync<TResult>(workflowId, existingWorkflow));
}
