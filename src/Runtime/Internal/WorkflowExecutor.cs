using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;
using Dbos.Serialization;
using Dbos.SystemDatabase;
using Microsoft.Extensions.Logging;

namespace Dbos.Internal;

/// <summary>Starts, runs, finishes and recovers workflows. A start is one commit (status and input), a finish
/// is one commit (status and output); in between, each step is one commit.</summary>
internal static class WorkflowExecutor
{
    private static readonly IReadOnlyDictionary<int, OperationRecord> NothingRecorded = new Dictionary<int, OperationRecord>();

    /// <summary>A direct call of a workflow: start it (or join the existing one with the same ID) and wait for its result.</summary>
    public static Task<T> RunAsync<T>(WorkflowDescriptor workflow, object?[] arguments, Func<Task<T>> body, DbosRuntime? runtime)
    {
        if (DbosAmbient.Current?.StartRequest is { } request && request.TryTake())
        {
            return StartForRequestAsync(workflow, arguments, body, runtime, request);
        }

        return RunCoreAsync(workflow, arguments, body, runtime);
    }

    /// <summary>True when the current call is the workflow call inside <c>DBOS.StartWorkflow(() => ...)</c>; the
    /// sync interceptors use it to start in the background instead of blocking on the result.</summary>
    public static StartRequest? TakeStartRequest()
        => DbosAmbient.Current?.StartRequest is { } request && request.TryTake() ? request : null;

    public static async Task<T> StartForRequestAsync<T>(WorkflowDescriptor workflow, object?[] arguments, Func<Task<T>> body, DbosRuntime? runtime, StartRequest request)
    {
        try
        {
            request.Handle.TrySetResult(await StartAsync(workflow, arguments, body, runtime, request.Options).ConfigureAwait(false));
        }
        catch (Exception e)
        {
            request.Handle.TrySetException(e);
            throw;
        }

        // DBOS.StartWorkflow returns the handle and discards this task; waiting here would take a function id.
        return default!;
    }

    /// <summary>The sync form of <see cref="StartForRequestAsync{T}"/>: starts, hands the handle over, does not wait.</summary>
    public static void StartForRequest<T>(WorkflowDescriptor workflow, object?[] arguments, Func<Task<T>> body, DbosRuntime? runtime, StartRequest request)
    {
        try
        {
            request.Handle.TrySetResult(SyncOverAsync.Run(() => StartAsync(workflow, arguments, body, runtime, request.Options)));
        }
        catch (Exception e)
        {
            request.Handle.TrySetException(e);
            throw;
        }
    }

    private static async Task<T> RunCoreAsync<T>(WorkflowDescriptor workflow, object?[] arguments, Func<Task<T>> body, DbosRuntime? runtime)
    {
        var start = await PrepareAsync(workflow, arguments, runtime).ConfigureAwait(false);
        // A call from outside any workflow waits for this outcome (a test environment skips time only while someone waits).
        using var awaiting = DbosAmbient.Current?.Workflow is null ? start.Runtime.Options.Hooks?.AwaitingOutcome(start.WorkflowId) : null;
        if (start.Active is null)
        {
            return await start.Runtime.AwaitWorkflowResultAsync<T>(start.WorkflowId, ResultType(workflow), CancellationToken.None).ConfigureAwait(false);
        }

        try
        {
            return await ExecuteAsync(start.Runtime, workflow, start.WorkflowId, start.OwnerXid, body, NothingRecorded, start.Active, start.Environment, start.Deadline, "new").ConfigureAwait(false);
        }
        catch (DbosException e) when (WorkflowFence.IsRefusal(e) && !start.Runtime.IsStopping)
        {
            // Cancelled, or taken over by another execution: the caller gets the outcome the workflow ends with.
            return await start.Runtime.AwaitWorkflowResultAsync<T>(start.WorkflowId, ResultType(workflow), CancellationToken.None, fromDatabaseOnly: true).ConfigureAwait(false);
        }
    }

    /// <summary>Starts a workflow in the background; returns once its status row is committed.</summary>
    public static async Task<WorkflowHandle<T>> StartAsync<T>(WorkflowDescriptor workflow, object?[] arguments, Func<Task<T>> body, DbosRuntime? runtime, WorkflowOptions? options = null)
    {
        var start = await PrepareAsync(workflow, arguments, runtime, options).ConfigureAwait(false);
        if (start.Active is { } active)
        {
            RunInBackground(start.Runtime, workflow, start.WorkflowId, () => ExecuteAsync(start.Runtime, workflow, start.WorkflowId, start.OwnerXid, body, NothingRecorded, active, start.Environment, start.Deadline, "new"));
        }

        return new WorkflowHandle<T>(start.Runtime, start.WorkflowId);
    }

    private readonly record struct PreparedStart(DbosRuntime Runtime, string WorkflowId, string OwnerXid, DbosRuntime.ActiveWorkflow? Active, WorkflowEnvironment Environment, WorkflowDeadline Deadline);

    /// <summary>Chooses the ID, records the status row (or finds the existing one) and, for a child, the parent's
    /// checkpoint. <see cref="PreparedStart.Active"/> is set when this caller owns the execution.</summary>
    private static async Task<PreparedStart> PrepareAsync(WorkflowDescriptor workflow, object?[] arguments, DbosRuntime? explicitRuntime, WorkflowOptions? options = null)
    {
        var ambient = DbosAmbient.Current;
        var client = explicitRuntime is { IsClient: true };
        // A client's enqueue is never a child of a workflow that happens to run around the call: it records nothing there.
        var parent = ambient is { InStep: false } && !client ? ambient.Workflow : null;
        var runtime = explicitRuntime ?? parent?.Runtime ?? DbosRuntime.Resolve(null);
        if (client && options?.Queue is null)
        {
            throw new InvalidOperationException(
                $"A DbosClient runs no workflows, so it cannot start or run '{workflow.QualifiedName}' here: enqueue it for a process that serves " +
                "a queue (Enqueue...Async with WorkflowOptions.Queue, or DbosClient.EnqueueAsync). Nothing was started.");
        }

        parent?.ThrowIfStopped(); // a cancelled parent starts no more children
        if (client)
        {
            await runtime.ConnectAsClientAsync(CancellationToken.None).ConfigureAwait(false); // a typed client bound to a DbosClient
        }

        if (parent is null)
        {
            // Children of running workflows may still start during the shutdown grace period.
            runtime.EnsureAcceptingWork();
        }

        // Required roles are checked before anything is taken or recorded: a caller without one starts nothing.
        var authentication = WorkflowEnvironment.Authorize(workflow, ambient);
        var assigned = ambient?.NextWorkflowId is { } assignment && assignment.TryTake() ? assignment.WorkflowId : null;
        var functionId = -1;
        OperationRecord? recordedChild = null;
        string workflowId;
        if (parent is not null)
        {
            functionId = parent.NextFunctionId();
            recordedChild = parent.GetRecorded(functionId, workflow.Name);
            workflowId = recordedChild?.ChildWorkflowId ?? options?.WorkflowId ?? assigned ?? $"{parent.WorkflowId}-{functionId}";
        }
        else
        {
            workflowId = options?.WorkflowId ?? assigned ?? Guid.CreateVersion7().ToString();
        }

        var queue = options?.Queue;
        if (queue is null && (options?.DeduplicationId is not null || options?.Priority is not null || options?.Delay is not null || options?.PartitionKey is not null))
        {
            throw new ArgumentException("WorkflowOptions.DeduplicationId, Priority, Delay and PartitionKey apply to queued workflows: enqueue with DBOS.EnqueueAsync or set WorkflowOptions.Queue.", nameof(options));
        }

        if (options?.Priority is < 0)
        {
            throw new ArgumentException("WorkflowOptions.Priority must be 0 (the highest, the default) or more.", nameof(options));
        }

        if (options?.Timeout is { } timeout && timeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("WorkflowOptions.Timeout must be positive.", nameof(options));
        }

        SetWorkflowID.Validate(workflowId, "workflowId");
        var inputs = SerializeInputs(runtime, workflow, arguments);
        using var environment = WorkflowEnvironment.ForStart(runtime, workflow, workflowId, authentication, ambient?.Request);
        var ownerXid = runtime.NewOwnerToken();
        var now = runtime.Options.TimeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        var delayed = options?.Delay is { } delay && delay > TimeSpan.Zero;
        var (timeoutMs, deadlineMs) = options?.Timeout is { } limit
            ? ((long)Math.Ceiling(limit.TotalMilliseconds), now + (long)Math.Ceiling(limit.TotalMilliseconds))
            : WorkflowTimeouts.ForStart(ambient, parent, now); // a SetWorkflowTimeout scope, else the parent's deadline
        var row = new WorkflowStatusInsert(
            workflowId,
            queue is null ? WorkflowStatuses.Pending : delayed ? WorkflowStatuses.Delayed : WorkflowStatuses.Enqueued,
            workflow.Name,
            workflow.ClassName.Length == 0 ? null : workflow.ClassName, // a client's enqueue without a class: NULL, as DBOS clients write
            null,
            inputs,
            runtime.Serializer.Name,
            runtime.ExecutorId,
            options?.ApplicationVersion ?? (client ? null : runtime.ApplicationVersion), // a client's NULL: run by the latest version
            runtime.Options.ApplicationName,
            ownerXid,
            now,
            ParentWorkflowId: parent?.WorkflowId,
            QueueName: queue,
            TimeoutMs: timeoutMs,
            DeadlineEpochMs: queue is null ? deadlineMs : null, // a queued workflow's deadline starts at its dequeue
            DeduplicationId: options?.DeduplicationId,
            Priority: options?.Priority,
            PartitionKey: options?.PartitionKey,
            DelayUntilEpochMs: delayed ? now + (long)Math.Ceiling(options!.Delay!.Value.TotalMilliseconds) : null,
            RecoveryAttempts: queue is null ? 1 : 0, // as DBOS: a dequeue counts the first attempt
            AuthenticatedUser: authentication?.User,
            AssumedRole: authentication?.AssumedRole,
            AuthenticatedRoles: authentication?.RolesJson,
            Request: environment.RequestJson,
            Attributes: environment.Attributes);

        var inserted = await DbRetry.RunAsync(runtime, "start workflow", token => runtime.Database.InsertWorkflowStatusAsync(row, token)).ConfigureAwait(false);
        if (!string.Equals(inserted.Name, workflow.Name, StringComparison.Ordinal)
            || (inserted.ClassName is { Length: > 0 } storedClass && !string.Equals(storedClass, workflow.ClassName, StringComparison.Ordinal)))
        {
            throw new ConflictingWorkflowException(workflowId, $"{inserted.ClassName}.{inserted.Name}", workflow.QualifiedName);
        }

        if (parent is not null && recordedChild is null)
        {
            var child = new OperationRecord(functionId, workflow.Name, null, null, null, workflowId, now, now);
            await DbRetry.RunAsync(runtime, "record child workflow", token => parent.Runtime.Database.RecordOperationAsync(parent.WorkflowId, parent.OwnerXid, child, token)).ConfigureAwait(false);
        }

        if (queue is not null)
        {
            if (inserted.Inserted)
            {
                runtime.WakeQueue(queue);
            }

            return new PreparedStart(runtime, workflowId, ownerXid, null, environment, default);
        }

        var active = inserted.Inserted ? runtime.TryBeginExecution(workflowId) : null;
        if (active is not null)
        {
            environment.MarkExecuting();
        }

        return new PreparedStart(runtime, workflowId, ownerXid, active, environment, new WorkflowDeadline(timeoutMs, inserted.DeadlineEpochMs));
    }

    private static string SerializeInputs(DbosRuntime runtime, WorkflowDescriptor workflow, object?[] arguments)
    {
        try
        {
            return runtime.Serializer.SerializeArguments(arguments, workflow.ParameterTypes);
        }
        catch (DbosSerializationException e)
        {
            throw new DbosSerializationException(
                $"Workflow '{workflow.QualifiedName}' was not started: its arguments cannot be stored. {e.Message} " +
                "Use types that serialize to JSON and back (records, classes with public properties, collections, primitives).", e);
        }
    }

    /// <summary>Resumes a workflow this runtime claimed for recovery (owner <paramref name="ownerXid"/>, execution slot
    /// <paramref name="active"/> already taken): dead-letters it past its recovery limit, or runs it again in the background
    /// with its recorded steps. Returns whether it was resumed; when not, the slot is released.</summary>
    public static async Task<bool> ResumeClaimedAsync(DbosRuntime runtime, WorkflowDescriptor workflow, ClaimedWorkflow claimed, string ownerXid, DbosRuntime.ActiveWorkflow active)
    {
        var row = claimed.Row;
        if (await runtime.CancelIfPastDeadlineAsync(row.WorkflowId, row.DeadlineEpochMs).ConfigureAwait(false))
        {
            runtime.ReleaseExecution(row.WorkflowId, active); // timed out while no process ran it: cancelled, not resumed
            return false;
        }

        if (row.RecoveryAttempts > workflow.MaxRecoveryAttempts + 1)
        {
            runtime.ReleaseExecution(row.WorkflowId, active);
            await DbRetry.RunAsync(runtime, "dead-letter workflow", token => runtime.Database.MarkMaxRecoveryAttemptsExceededAsync(row.WorkflowId, token)).ConfigureAwait(false);
            runtime.Logger.LogError("Workflow {WorkflowId} ({Name}) exceeded its {Max} recovery attempts and was marked {Status}.",
                row.WorkflowId, workflow.QualifiedName, workflow.MaxRecoveryAttempts, WorkflowStatuses.MaxRecoveryAttemptsExceeded);
            return false;
        }

        object?[] arguments;
        try
        {
            arguments = runtime.SerializerFor(row.Serialization).DeserializeArguments(row.Inputs ?? "{\"positionalArgs\":[]}", workflow.ParameterTypes);
        }
        catch (DbosSerializationException e)
        {
            // Never left PENDING with nobody to run it: it fails, with the reason (DBOS py#546).
            runtime.ReleaseExecution(row.WorkflowId, active);
            runtime.Logger.LogError(e, "Cannot run workflow {WorkflowId} ({Name}): its stored inputs do not match the workflow's parameters. It was marked ERROR.", row.WorkflowId, workflow.QualifiedName);
            await runtime.RecordFailureAsync(row, e).ConfigureAwait(false);
            return false;
        }

        var recorded = claimed.Operations.ToDictionary(o => o.FunctionId);

        // The stored user, roles and request, checked against the required roles again (a denial finishes it as ERROR).
        var environment = WorkflowEnvironment.ForRecovery(runtime, workflow, row);
        environment.MarkExecuting();
        Func<Task<object?>> body = environment.Denied is { } denied
            ? () => Task.FromException<object?>(denied)
            : () => workflow.Invoke(runtime.Services, arguments);
        RunInBackground(runtime, workflow, row.WorkflowId, () => ExecuteAsync(runtime, workflow, row.WorkflowId, ownerXid, body, recorded, active, environment, new WorkflowDeadline(row.TimeoutMs, row.DeadlineEpochMs), row.QueueName is null ? "recovery" : "queue"));
        return true;
    }

    private static void RunInBackground<T>(DbosRuntime runtime, WorkflowDescriptor workflow, string workflowId, Func<Task<T>> execute)
    {
        _ = Task.Run(async () =>
        {
            try
            {
                await execute().ConfigureAwait(false);
            }
            catch (Exception e) when (runtime.IsStopping)
            {
                runtime.Logger.LogDebug(e, "Workflow {WorkflowId} ({Name}) was interrupted by shutdown; it will resume at the next start.", workflowId, workflow.QualifiedName);
            }
            catch (DbosException e) when (WorkflowFence.IsRefusal(e))
            {
                runtime.Logger.LogInformation("Workflow {WorkflowId} ({Name}) stopped here: {Reason}", workflowId, workflow.QualifiedName, e.Message);
            }
            catch (Exception e)
            {
                runtime.Logger.LogDebug(e, "Workflow {WorkflowId} ({Name}) failed.", workflowId, workflow.QualifiedName);
            }
        });
    }

    private static Type ResultType(WorkflowDescriptor workflow) => workflow.ResultType == typeof(void) ? typeof(object) : workflow.ResultType;

    /// <summary>Runs the body as the owner of the execution and records the outcome. If another execution recorded
    /// an outcome first (ownership lost), that outcome is returned instead of ours.</summary>
    private static async Task<T> ExecuteAsync<T>(
        DbosRuntime runtime,
        WorkflowDescriptor workflow,
        string workflowId,
        string ownerXid,
        Func<Task<T>> body,
        IReadOnlyDictionary<int, OperationRecord> recorded,
        DbosRuntime.ActiveWorkflow active,
        WorkflowEnvironment environment,
        WorkflowDeadline deadline,
        string start)
    {
        var context = new WorkflowContext(runtime, workflowId, workflow, ownerXid, recorded) { TimeoutMs = deadline.TimeoutMs, DeadlineEpochMs = deadline.EpochMs };
        var outcomeSerializer = environment.OutcomeSerializer ?? runtime.Serializer;
        context.StartedTimestamp = Stopwatch.GetTimestamp();
        Tracing.DbosMetrics.WorkflowStarted(workflow.QualifiedName, start);
        using var supervision = runtime.Supervise(context); // cancel, resume and timeout reach the execution through it
        if (environment.Activity is { } span)
        {
            // The body's spans are children of the workflow's, also when it runs in the background.
            Activity.Current = span;
        }

        using var logScope = Tracing.DbosTracing.BeginWorkflowScope(runtime, workflow, workflowId);
        object? boxed = null;
        Exception? error = null;
        var abandoned = false;
        try
        {
            T result;
            try
            {
                using (DbosAmbient.Push(environment.AmbientFor(context)))
                {
                    Task<T> task;
                    try
                    {
                        task = body();
                    }
                    catch (Exception e)
                    {
                        task = Task.FromException<T>(e);
                    }

                    result = await task.ConfigureAwait(false);
                    runtime.Options.Hooks?.BodyReturned(context);
                }
            }
            catch (Exception e) when (WorkflowFence.IsRefusal(e))
            {
                // A checkpoint write was refused (cancelled, or another execution owns the workflow now): record nothing more.
                abandoned = true;
                throw;
            }
            catch (Exception e) when (!runtime.IsStopping)
            {
                await FinishAsync(runtime, context, WorkflowStatuses.Error, null, SerializeError(outcomeSerializer, e), outcomeSerializer).ConfigureAwait(false);
                throw;
            }

            string output;
            try
            {
                output = outcomeSerializer.Serialize(result, workflow.ResultType);
            }
            catch (DbosSerializationException e)
            {
                var failure = new DbosSerializationException($"The result of workflow '{workflow.QualifiedName}' ({workflowId}) cannot be stored. {e.Message}", e);
                await FinishAsync(runtime, context, WorkflowStatuses.Error, null, SerializeError(outcomeSerializer, failure), outcomeSerializer).ConfigureAwait(false);
                throw failure;
            }

            if (!await FinishAsync(runtime, context, WorkflowStatuses.Success, output, null, outcomeSerializer).ConfigureAwait(false))
            {
                result = await runtime.AwaitWorkflowResultAsync<T>(workflowId, ResultType(workflow), CancellationToken.None, fromDatabaseOnly: true).ConfigureAwait(false);
            }

            boxed = result;
            return result;
        }
        catch (Exception e)
        {
            error = e;
            throw;
        }
        finally
        {
            environment.Finish(error, runtime.IsStopping);
            if (abandoned)
            {
                runtime.ReleaseExecution(workflowId, active);
            }
            else
            {
                runtime.EndExecution(workflowId, active, boxed, error);
            }
        }
    }

    /// <summary>Records the outcome; false when this execution no longer owns the workflow (another one finished it),
    /// in which case a failure is replaced by the recorded outcome.</summary>
    private static async Task<bool> FinishAsync(DbosRuntime runtime, WorkflowContext context, string status, string? output, string? error, IDbosSerializer serializer)
    {
        var outcome = new WorkflowOutcome(status, output, error, serializer.Name, runtime.Options.TimeProvider.GetUtcNow().ToUnixTimeMilliseconds());
        var written = await DbRetry.RunAsync(runtime, "finish workflow",
            token => runtime.Database.RecordWorkflowOutcomeAsync(context.WorkflowId, context.OwnerXid, outcome, token)).ConfigureAwait(false);
        if (written)
        {
            Tracing.DbosMetrics.WorkflowCompleted(context.Workflow.QualifiedName, status, context.StartedTimestamp);
        }

        if (!written && status == WorkflowStatuses.Error)
        {
            // Another execution owns the outcome; surface what it recorded.
            await runtime.AwaitWorkflowResultAsync<object?>(context.WorkflowId, ResultType(context.Workflow), CancellationToken.None, fromDatabaseOnly: true).ConfigureAwait(false);
        }

        return written;
    }

    internal static string SerializeError(DbosRuntime runtime, Exception error) => SerializeError(runtime.Serializer, error);

    internal static string SerializeError(IDbosSerializer serializer, Exception error)
    {
        try
        {
            return serializer.SerializeError(error);
        }
        catch (Exception e) when (e is DbosSerializationException or NotSupportedException or InvalidOperationException)
        {
            return serializer.SerializeError(new PortableWorkflowException(error.GetType().FullName ?? "Error", error.Message, null, null));
        }
    }

    internal static void Rethrow(Exception error) => ExceptionDispatchInfo.Capture(error).Throw();
}
