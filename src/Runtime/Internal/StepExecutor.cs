using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Dbos.Authorization;
using Dbos.SystemDatabase;
using Microsoft.Extensions.Logging;

namespace Dbos.Internal;

/// <summary>Runs steps: inside a workflow, checkpointed (the output or error is committed before the workflow goes
/// on, and a re-execution replays it); anywhere else, or inside another step, a plain call.</summary>
internal static class StepExecutor
{
    private const double MaxRetryIntervalSeconds = 3600;

    public static Task<T> RunAsync<T>(StepDescriptor step, Func<Task<T>> body)
    {
        var ambient = DbosAmbient.Current;
        if (step.RequiredRoles.Count > 0)
        {
            // Checked before the step takes a function id; the matching role is assumed while it runs.
            ambient = StepAuthorization.Authorize(step, ambient);
        }

        if (ambient?.Workflow is not { } workflow || ambient.InStep)
        {
            return StepAuthorization.Run(ambient, body);
        }

        // Taken before the first await: steps started concurrently in a fixed order get fixed ids.
        var functionId = workflow.NextFunctionId();
        return RunCheckpointedAsync(ambient, workflow, step, functionId, body);
    }

    public static T RunSync<T>(StepDescriptor step, Func<T> body)
    {
        var ambient = DbosAmbient.Current;
        if (ambient?.Workflow is null || ambient.InStep)
        {
            if (step.RequiredRoles.Count > 0)
            {
                using (DbosAmbient.Push(StepAuthorization.Authorize(step, ambient)!))
                {
                    return body();
                }
            }

            return body();
        }

        return SyncOverAsync.Run(() => RunAsync(step, () => Task.FromResult(body())));
    }

    /// <summary>A step with a <see cref="CancellationToken"/> parameter: inside a workflow the body gets a token that fires when the
    /// workflow is cancelled or times out (linked with the caller's token, if it passed one); elsewhere the caller's token.</summary>
    public static Task<T> RunAsync<T>(StepDescriptor step, CancellationToken callerToken, Func<CancellationToken, Task<T>> body)
    {
        var ambient = DbosAmbient.Current;
        if (ambient?.Workflow is not { } workflow || ambient.InStep)
        {
            return RunAsync(step, () => body(callerToken));
        }

        return RunAsync(step, () => WithWorkflowTokenAsync(workflow, callerToken, body));
    }

    /// <inheritdoc cref="RunAsync{T}(StepDescriptor, CancellationToken, Func{CancellationToken, Task{T}})"/>
    public static T RunSync<T>(StepDescriptor step, CancellationToken callerToken, Func<CancellationToken, T> body)
    {
        var ambient = DbosAmbient.Current;
        if (ambient?.Workflow is not { } workflow || ambient.InStep)
        {
            return RunSync(step, () => body(callerToken));
        }

        return SyncOverAsync.Run(() => RunAsync(step, () => WithWorkflowTokenAsync(workflow, callerToken, token => Task.FromResult(body(token)))));
    }

    private static async Task<T> WithWorkflowTokenAsync<T>(WorkflowContext workflow, CancellationToken callerToken, Func<CancellationToken, Task<T>> body)
    {
        using var watch = workflow.Watch(); // the step may wait long: a cancel by another process must reach it too
        if (!callerToken.CanBeCanceled)
        {
            return await body(workflow.StopToken).ConfigureAwait(false);
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(callerToken, workflow.StopToken);
        return await body(linked.Token).ConfigureAwait(false);
    }

    private static async Task<T> RunCheckpointedAsync<T>(DbosAmbient ambient, WorkflowContext workflow, StepDescriptor step, int functionId, Func<Task<T>> body)
    {
        workflow.ThrowIfStopped(); // cancelled or timed out: the next step does not run
        var runtime = workflow.Runtime;
        if (workflow.GetRecorded(functionId, step.Name) is { } recorded)
        {
            return Replay<T>(runtime, recorded);
        }

        var hooks = runtime.Options.Hooks;
        if (hooks is not null)
        {
            await hooks.BeforeStepAsync(workflow, functionId, step.Name).ConfigureAwait(false);
        }

        var startedAt = runtime.Options.TimeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        T result = default!;
        Exception? failure = null;
        using (DbosAmbient.Push(ambient with { StepFunctionId = functionId, StepName = step.Name }))
        {
            var telemetry = Tracing.DbosTracing.StartOperation(workflow, "step", step.Name, functionId, ambient.Authentication);
            var began = System.Diagnostics.Stopwatch.GetTimestamp();
            Exception? interrupted = null;
            try
            {
                result = await RunWithRetriesAsync(runtime, workflow, step, body).ConfigureAwait(false);
            }
            catch (Exception e) when (!runtime.IsStopping)
            {
                failure = e;
            }
            catch (Exception e)
            {
                interrupted = e;
                throw;
            }
            finally
            {
                telemetry.Complete(failure ?? interrupted, interrupted is not null);
                if (interrupted is null)
                {
                    Tracing.DbosMetrics.StepFinished(step.Name, failure is not null, began);
                }
            }
        }

        string? output = null;
        if (failure is null)
        {
            try
            {
                output = runtime.Serializer.Serialize(result, typeof(T));
            }
            catch (DbosSerializationException e)
            {
                throw new DbosSerializationException(
                    $"The result of step '{step.Name}' in workflow '{workflow.Workflow.QualifiedName}' ({workflow.WorkflowId}) cannot be checkpointed. {e.Message}", e);
            }
        }

        if (hooks is not null)
        {
            await hooks.BeforeCheckpointAsync(workflow, functionId, step.Name).ConfigureAwait(false);
        }

        var completedAt = runtime.Options.TimeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        var record = new OperationRecord(
            functionId,
            step.Name,
            output,
            failure is null ? null : WorkflowExecutor.SerializeError(runtime, failure),
            runtime.Serializer.Name,
            null,
            startedAt,
            completedAt);
        var existing = await DbRetry.RunAsync(runtime, "checkpoint step",
            token => runtime.Database.RecordOperationAsync(workflow.WorkflowId, workflow.OwnerXid, record, token)).ConfigureAwait(false);
        if (existing is not null)
        {
            // Another execution of this workflow checkpointed this step first: its outcome is the one that counts.
            if (!string.Equals(existing.FunctionName, step.Name, StringComparison.Ordinal))
            {
                throw new UnexpectedStepException(workflow.WorkflowId, functionId, step.Name, existing.FunctionName);
            }

            return Replay<T>(runtime, existing);
        }

        if (hooks is not null)
        {
            await hooks.AfterStepAsync(workflow, functionId, step.Name).ConfigureAwait(false);
        }

        if (failure is not null)
        {
            WorkflowExecutor.Rethrow(failure);
        }

        return result;
    }

    private static T Replay<T>(DbosRuntime runtime, OperationRecord record)
    {
        var serializer = runtime.SerializerFor(record.Serialization);
        if (record.Error is not null)
        {
            throw serializer.DeserializeError(record.Error);
        }

        return (T)serializer.Deserialize(record.Output ?? "null", typeof(T))!;
    }

    private static async Task<T> RunWithRetriesAsync<T>(DbosRuntime runtime, WorkflowContext workflow, StepDescriptor step, Func<Task<T>> body)
    {
        if (!step.RetriesAllowed)
        {
            return await InvokeAsync(body).ConfigureAwait(false);
        }

        var errors = new List<Exception>();
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await InvokeAsync(body).ConfigureAwait(false);
            }
            catch (Exception e) when (!runtime.IsStopping && !workflow.IsStopped)
            {
                errors.Add(e);
                if (attempt + 1 >= step.MaxAttempts)
                {
                    throw new MaxStepRetriesExceededException(step.Name, step.MaxAttempts, errors);
                }

                var seconds = Math.Min(step.IntervalSeconds * Math.Pow(step.BackoffRate, attempt), MaxRetryIntervalSeconds);
                runtime.Logger.LogWarning(e, "Step {StepName} of workflow {WorkflowId} failed (attempt {Attempt} of {MaxAttempts}); retrying in {Seconds} s.",
                    step.Name, workflow.WorkflowId, attempt + 1, step.MaxAttempts, seconds);
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(runtime.StoppingToken, workflow.StopToken);
                var interval = TimeSpan.FromSeconds(Math.Max(0, seconds));
                var until = runtime.Options.TimeProvider.GetUtcNow() + interval;
                // The timer first, then the wait is announced: a test clock that skips to its end then always fires it.
                var delay = Task.Delay(interval, runtime.Options.TimeProvider, wait.Token);
                using var waiting = runtime.Options.Hooks?.Waiting(workflow, until);
                try
                {
                    await delay.ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (workflow.IsStopped && !runtime.IsStopping)
                {
                    throw workflow.StoppedError(); // no more attempts for a cancelled workflow
                }
            }
        }
    }

    private static Task<T> InvokeAsync<T>(Func<Task<T>> body)
    {
        try
        {
            return body();
        }
        catch (Exception e)
        {
            return Task.FromException<T>(e);
        }
    }
}
