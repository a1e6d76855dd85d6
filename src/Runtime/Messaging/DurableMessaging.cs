using System;
using System.Globalization;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Dbos.Internal;
using Dbos.Serialization;
using Dbos.SystemDatabase;

namespace Dbos.Messaging;

/// <summary>Send/Recv, SetEvent/GetEvent and durable Sleep. Inside a workflow each is a durable operation with its own
/// function id (Recv and GetEvent take two: the operation and its timeout, recorded as <c>DBOS.sleep</c>, as DBOS does).</summary>
internal static class DurableMessaging
{
    /// <summary>DBOS stores "no topic" as this topic.</summary>
    public const string NullTopic = "__null__topic__";

    public const string SendName = "DBOS.send";
    public const string RecvName = "DBOS.recv";
    public const string SleepName = "DBOS.sleep";
    public const string SetEventName = "DBOS.setEvent";
    public const string GetEventName = "DBOS.getEvent";
    public const string GetResultName = "DBOS.getResult";

    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    // With a DbosClient's runtime as client, the send is a plain one, whatever workflow runs around the call.
    public static async Task SendAsync<T>(string destinationId, T message, string? topic, string? idempotencyKey, CancellationToken cancellationToken, DbosRuntime? client = null)
    {
        SetWorkflowID.Validate(destinationId, nameof(destinationId));
        if (idempotencyKey is { Length: 0 })
        {
            throw new ArgumentException("An idempotency key must not be empty; pass null for none.", nameof(idempotencyKey));
        }

        ValidateOptional(topic, "A topic", nameof(topic));
        ValidateOptional(idempotencyKey, "An idempotency key", nameof(idempotencyKey));

        var ambient = DbosAmbient.Current;
        var workflow = ambient is { InStep: false } && client is null ? ambient.Workflow : null;
        var runtime = client ?? workflow?.Runtime ?? DbosRuntime.Resolve(null);
        var serialized = Serialize(runtime, message, $"The message to workflow {destinationId}");
        var storedTopic = topic ?? NullTopic;
        var messageUuid = idempotencyKey is null ? Guid.NewGuid().ToString() : $"{idempotencyKey}::{destinationId}";
        OperationRecord? operation = null;
        if (workflow is not null)
        {
            workflow.ThrowIfStopped();
            var functionId = workflow.NextFunctionId();
            if (workflow.GetRecorded(functionId, SendName) is not null)
            {
                return;
            }

            var now = Now(runtime);
            operation = new OperationRecord(functionId, SendName, null, null, null, null, now, now);
        }

        await DbRetry.RunAsync(runtime, "send message",
            token => runtime.Database.SendMessageAsync(destinationId, storedTopic, serialized, runtime.Serializer.Name, messageUuid, workflow?.WorkflowId, workflow?.OwnerXid, operation, Link(token, cancellationToken))).ConfigureAwait(false);
        runtime.Messages.Notify(destinationId + "::" + storedTopic);
    }

    private static void ValidateOptional(string? value, string what, string parameterName)
    {
        if (value is not null)
        {
            SetWorkflowID.ValidateText(value, what, parameterName);
        }
    }

    public static async Task<T?> RecvAsync<T>(string? topic, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        ValidateOptional(topic, "A topic", nameof(topic));
        var workflow = RequireWorkflowBody("Recv", "receives the messages sent to the workflow it runs in");
        workflow.ThrowIfStopped();
        var runtime = workflow.Runtime;
        var functionId = workflow.NextFunctionId();
        var timeoutFunctionId = workflow.NextFunctionId();
        if (workflow.GetRecorded(functionId, RecvName) is { } recorded)
        {
            return Decode<T>(runtime, recorded.Output, recorded.Serialization, $"The message recorded by step {functionId} of workflow {workflow.WorkflowId}");
        }

        var storedTopic = topic ?? NullTopic;

        // The timeout's wake-up row is written with the receive when a message is already there (one round trip),
        // else before waiting, so a recovered receive waits only the remainder.
        var (deadline, unrecordedTimeout) = PlanDeadline(workflow, timeoutFunctionId, timeout ?? DefaultTimeout, isTimeout: true);
        var startedAt = Now(runtime);
        using var watch = workflow.Watch(); // a cancel by another process ends the wait too
        using var registration = runtime.Messages.Register(workflow.WorkflowId + "::" + storedTopic);
        while (true)
        {
            var signal = registration.Signal;
            var message = await DbRetry.RunAsync(runtime, "receive message",
                token => runtime.Database.PeekMessageAsync(workflow.WorkflowId, storedTopic, Link(token, cancellationToken))).ConfigureAwait(false);
            if (message is not null)
            {
                // Decode before consuming: a message that cannot be read as T stays in the queue.
                var value = Decode<T>(runtime, message.Message, message.Serialization,
                    $"The message on topic '{topic ?? "(none)"}' for workflow {workflow.WorkflowId}", leftUnconsumed: true);
                var operation = new OperationRecord(functionId, RecvName, message.Message, null, message.Serialization, null, startedAt, Now(runtime));
                var pendingTimeout = unrecordedTimeout;
                var result = await DbRetry.RunAsync(runtime, "consume message",
                    token => runtime.Database.ConsumeMessageAsync(workflow.WorkflowId, workflow.OwnerXid, message.MessageUuid, operation, pendingTimeout, Link(token, cancellationToken))).ConfigureAwait(false);
                if (result.Consumed)
                {
                    return value;
                }

                if (result.Existing is { } existing)
                {
                    return Decode<T>(runtime, existing.Output, existing.Serialization, $"The message recorded by step {functionId} of workflow {workflow.WorkflowId}");
                }

                continue; // consumed by another execution meanwhile: look again
            }

            if (unrecordedTimeout is not null)
            {
                deadline = await RecordDeadlineAsync(workflow, unrecordedTimeout).ConfigureAwait(false);
                unrecordedTimeout = null;
            }

            if (!await WaitAsync(runtime, workflow, signal, deadline, cancellationToken).ConfigureAwait(false))
            {
                var timedOut = new OperationRecord(functionId, RecvName, "null", null, PortableJsonSerializer.FormatName, null, startedAt, Now(runtime));
                var existing = await DbRetry.RunAsync(runtime, "record receive timeout",
                    token => runtime.Database.RecordOperationAsync(workflow.WorkflowId, workflow.OwnerXid, timedOut, Link(token, cancellationToken))).ConfigureAwait(false);
                return existing is null ? default : Decode<T>(runtime, existing.Output, existing.Serialization, $"The message recorded by step {functionId} of workflow {workflow.WorkflowId}");
            }
        }
    }

    public static async Task SetEventAsync<T>(string key, T value, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        SetWorkflowID.ValidateText(key, "An event key", nameof(key));
        var ambient = DbosAmbient.Current;
        var workflow = ambient?.Workflow ?? throw new InvalidOperationException(
            "DBOS.SetEvent may only be called inside a workflow (or a step it calls): an event belongs to the workflow that publishes it. " +
            "To reach a workflow from outside, use DBOS.Send.");
        var runtime = workflow.Runtime;
        var serialized = Serialize(runtime, value, $"The value of event '{key}'");
        OperationRecord? operation = null;
        int functionId;
        if (ambient.StepFunctionId is { } stepFunctionId)
        {
            functionId = stepFunctionId;
        }
        else
        {
            workflow.ThrowIfStopped();
            functionId = workflow.NextFunctionId();
            if (workflow.GetRecorded(functionId, SetEventName) is not null)
            {
                return;
            }

            var now = Now(runtime);
            operation = new OperationRecord(functionId, SetEventName, null, null, null, null, now, now);
        }

        await DbRetry.RunAsync(runtime, "set event",
            token => runtime.Database.SetEventAsync(workflow.WorkflowId, workflow.OwnerXid, key, serialized, runtime.Serializer.Name, functionId, operation, Link(token, cancellationToken))).ConfigureAwait(false);
        runtime.Events.Notify(workflow.WorkflowId + "::" + key);
    }

    // With a DbosClient's runtime as client, the read is a plain one, whatever workflow runs around the call.
    public static async Task<T?> GetEventAsync<T>(string workflowId, string key, TimeSpan? timeout, CancellationToken cancellationToken, DbosRuntime? client = null)
    {
        SetWorkflowID.Validate(workflowId, nameof(workflowId));
        ArgumentException.ThrowIfNullOrEmpty(key);
        SetWorkflowID.ValidateText(key, "An event key", nameof(key));
        var ambient = DbosAmbient.Current;
        var workflow = ambient is { InStep: false } && client is null ? ambient.Workflow : null;
        var runtime = client ?? workflow?.Runtime ?? DbosRuntime.Resolve(null);
        var functionId = -1;
        DateTimeOffset deadline;
        if (workflow is not null)
        {
            workflow.ThrowIfStopped();
            functionId = workflow.NextFunctionId();
            var timeoutFunctionId = workflow.NextFunctionId();
            if (workflow.GetRecorded(functionId, GetEventName) is { } recorded)
            {
                return Decode<T>(runtime, recorded.Output, recorded.Serialization, $"The event value recorded by step {functionId} of workflow {workflow.WorkflowId}");
            }

            deadline = await DurableDeadlineAsync(workflow, timeoutFunctionId, timeout ?? DefaultTimeout, isTimeout: true).ConfigureAwait(false);
        }
        else
        {
            deadline = runtime.Options.TimeProvider.GetUtcNow() + (timeout ?? DefaultTimeout);
        }

        var startedAt = Now(runtime);
        using var watch = workflow?.Watch();
        using var registration = runtime.Events.Register(workflowId + "::" + key);
        while (true)
        {
            var signal = registration.Signal;
            var stored = await DbRetry.RunAsync(runtime, "get event",
                token => runtime.Database.GetEventAsync(workflowId, key, Link(token, cancellationToken))).ConfigureAwait(false);
            var found = stored is not null;
            if (found || !await WaitAsync(runtime, workflow, signal, deadline, cancellationToken).ConfigureAwait(false))
            {
                var what = $"Event '{key}' of workflow {workflowId}";
                var value = stored is null ? default : Decode<T>(runtime, stored.Value, stored.Serialization, what);
                if (workflow is not null)
                {
                    var operation = new OperationRecord(functionId, GetEventName, stored?.Value ?? "null", null, stored?.Serialization ?? PortableJsonSerializer.FormatName, null, startedAt, Now(runtime));
                    var existing = await DbRetry.RunAsync(runtime, "record get event",
                        token => runtime.Database.RecordOperationAsync(workflow.WorkflowId, workflow.OwnerXid, operation, Link(token, cancellationToken))).ConfigureAwait(false);
                    if (existing is not null)
                    {
                        return Decode<T>(runtime, existing.Output, existing.Serialization, what);
                    }
                }

                return value;
            }
        }
    }

    public static async Task SleepAsync(TimeSpan duration, CancellationToken cancellationToken)
    {
        var ambient = DbosAmbient.Current;
        var workflow = ambient?.Workflow ?? throw new InvalidOperationException(
            "DBOS.Sleep may only be called inside a workflow, where it records its wake-up time. Outside workflows use Task.Delay.");
        var runtime = workflow.Runtime;
        if (ambient.InStep)
        {
            // A step is re-run as a whole; its sleeps need no record.
            await Task.Delay(duration, runtime.Options.TimeProvider, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (duration <= TimeSpan.Zero)
        {
            return; // as in DBOS: no wait and no function id
        }

        workflow.ThrowIfStopped();
        var deadline = await DurableDeadlineAsync(workflow, workflow.NextFunctionId(), duration, isTimeout: false).ConfigureAwait(false);
        // A timer may fire a little before its due time: wait again until the recorded deadline has passed.
        using var watch = workflow.Watch();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(runtime.StoppingToken, cancellationToken, workflow.StopToken);
        using var waiting = runtime.Options.Hooks?.Waiting(workflow, deadline);
        try
        {
            for (var remaining = deadline - runtime.Options.TimeProvider.GetUtcNow(); remaining > TimeSpan.Zero; remaining = deadline - runtime.Options.TimeProvider.GetUtcNow())
            {
                await Task.Delay(remaining, runtime.Options.TimeProvider, linked.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (workflow.IsStopped && !cancellationToken.IsCancellationRequested && !runtime.IsStopping)
        {
            throw workflow.StoppedError(); // cancelled (or timed out, resumed, taken over) while it slept
        }
    }

    /// <summary>Waits for a workflow's outcome; inside a workflow's body the outcome is recorded as <c>DBOS.getResult</c>.</summary>
    public static async Task<T> AwaitResultAsync<T>(DbosRuntime runtime, string workflowId, Type resultType, CancellationToken cancellationToken)
    {
        var ambient = DbosAmbient.Current;
        var workflow = ambient is { InStep: false } && !runtime.IsClient ? ambient.Workflow : null;
        if (workflow is null)
        {
            using var awaiting = runtime.Options.Hooks?.AwaitingOutcome(workflowId);
            return await runtime.AwaitWorkflowResultAsync<T>(workflowId, resultType, cancellationToken).ConfigureAwait(false);
        }

        var functionId = workflow.NextFunctionId();
        if (workflow.GetRecorded(functionId, GetResultName) is { } recorded)
        {
            if (recorded.Error is not null)
            {
                throw runtime.SerializerFor(recorded.Serialization).DeserializeError(recorded.Error);
            }

            return (T)runtime.SerializerFor(recorded.Serialization).Deserialize(recorded.Output ?? "null", resultType)!;
        }

        workflow.ThrowIfStopped();
        var startedAt = Now(runtime);
        T result;
        using var watch = workflow.Watch();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, workflow.StopToken);
        try
        {
            using var waiting = runtime.Options.Hooks?.Waiting(workflow, null); // on the other workflow, not on time
            result = await runtime.AwaitWorkflowResultAsync<T>(workflowId, resultType, stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (workflow.IsStopped && !cancellationToken.IsCancellationRequested)
        {
            throw workflow.StoppedError(); // the waiting workflow was cancelled: it records nothing more
        }
        catch (Exception e) when (e is not OperationCanceledException && !workflow.Runtime.IsStopping)
        {
            var failed = new OperationRecord(functionId, GetResultName, null, WorkflowExecutor.SerializeError(runtime, e), runtime.Serializer.Name, workflowId, startedAt, Now(runtime));
            await DbRetry.RunAsync(runtime, "record child result", token => runtime.Database.RecordOperationAsync(workflow.WorkflowId, workflow.OwnerXid, failed, token)).ConfigureAwait(false);
            throw;
        }

        var output = Serialize(runtime, result, $"The result of workflow {workflowId}");
        var operation = new OperationRecord(functionId, GetResultName, output, null, runtime.Serializer.Name, workflowId, startedAt, Now(runtime));
        await DbRetry.RunAsync(runtime, "record child result", token => runtime.Database.RecordOperationAsync(workflow.WorkflowId, workflow.OwnerXid, operation, token)).ConfigureAwait(false);
        return result;
    }

    /// <summary>The wake-up time recorded at <paramref name="functionId"/> (epoch milliseconds, as DBOS TypeScript stores it),
    /// recording now + <paramref name="duration"/> the first time. After a crash the remainder is waited, not the whole.</summary>
    private static async Task<DateTimeOffset> DurableDeadlineAsync(WorkflowContext workflow, int functionId, TimeSpan duration, bool isTimeout)
    {
        var (deadline, unrecorded) = PlanDeadline(workflow, functionId, duration, isTimeout);
        return unrecorded is null ? deadline : await RecordDeadlineAsync(workflow, unrecorded).ConfigureAwait(false);
    }

    /// <summary>The recorded wake-up time, or now + <paramref name="duration"/> with the row that records it.</summary>
    private static (DateTimeOffset Deadline, OperationRecord? Unrecorded) PlanDeadline(WorkflowContext workflow, int functionId, TimeSpan duration, bool isTimeout)
    {
        if (workflow.GetRecorded(functionId, SleepName) is { } recorded)
        {
            return (ReadDeadline(recorded), null);
        }

        var now = workflow.Runtime.Options.TimeProvider.GetUtcNow();
        var deadlineMs = (now + (duration < TimeSpan.Zero ? TimeSpan.Zero : duration)).ToUnixTimeMilliseconds();
        var operation = new OperationRecord(functionId, SleepName, deadlineMs.ToString(CultureInfo.InvariantCulture), null, PortableJsonSerializer.FormatName, null,
            now.ToUnixTimeMilliseconds(), isTimeout ? now.ToUnixTimeMilliseconds() : deadlineMs);
        return (DateTimeOffset.FromUnixTimeMilliseconds(deadlineMs), operation);
    }

    /// <summary>Writes the wake-up row; if another execution recorded one first, its time is the one that counts.</summary>
    private static async Task<DateTimeOffset> RecordDeadlineAsync(WorkflowContext workflow, OperationRecord operation)
    {
        var runtime = workflow.Runtime;
        var existing = await DbRetry.RunAsync(runtime, "record sleep", token => runtime.Database.RecordOperationAsync(workflow.WorkflowId, workflow.OwnerXid, operation, token)).ConfigureAwait(false);
        return ReadDeadline(existing ?? operation);
    }

    /// <summary>DBOS TypeScript records epoch milliseconds (an integer); DBOS Python epoch seconds (a float).</summary>
    private static DateTimeOffset ReadDeadline(OperationRecord record)
    {
        using var json = JsonDocument.Parse(record.Output ?? "0");
        var root = json.RootElement;
        if (root.ValueKind == JsonValueKind.Number && root.TryGetInt64(out var ms) && ms > 100_000_000_000)
        {
            return DateTimeOffset.FromUnixTimeMilliseconds(ms);
        }

        return root.ValueKind == JsonValueKind.Number
            ? DateTimeOffset.FromUnixTimeMilliseconds((long)(root.GetDouble() * 1000))
            : DateTimeOffset.FromUnixTimeMilliseconds(0);
    }

    /// <summary>Waits for the signal, the deadline or the fallback poll interval. False when the deadline has passed.</summary>
    private static async Task<bool> WaitAsync(DbosRuntime runtime, WorkflowContext? workflow, Task signal, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        workflow?.ThrowIfStopped();
        var time = runtime.Options.TimeProvider;
        var remaining = deadline - time.GetUtcNow();
        if (remaining <= TimeSpan.Zero)
        {
            return false;
        }

        // ±10% jitter, so many waiters started together do not poll together.
        var poll = runtime.PollInterval * (0.9 + (0.2 * Random.Shared.NextDouble()));
        var wait = remaining < poll ? remaining : poll;
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(runtime.StoppingToken, cancellationToken, workflow?.StopToken ?? CancellationToken.None);
        var delay = Task.Delay(wait, time, timer.Token);
        Task first;
        using (workflow is null ? null : runtime.Options.Hooks?.Waiting(workflow, deadline))
        {
            first = await Task.WhenAny(signal, delay).ConfigureAwait(false);
        }

        if (first == signal)
        {
            await timer.CancelAsync().ConfigureAwait(false);
        }
        else if (delay.IsCanceled)
        {
            cancellationToken.ThrowIfCancellationRequested();
            runtime.StoppingToken.ThrowIfCancellationRequested();
            workflow?.ThrowIfStopped(); // cancelled, timed out, resumed elsewhere or taken over: the wait ends now
        }

        return true;
    }

    private static WorkflowContext RequireWorkflowBody(string api, string what)
    {
        var ambient = DbosAmbient.Current;
        if (ambient?.Workflow is not { } workflow)
        {
            throw new InvalidOperationException($"DBOS.{api} may only be called inside a workflow: it {what}.");
        }

        if (ambient.InStep)
        {
            throw new InvalidOperationException($"DBOS.{api} may only be called in a workflow's body, not inside a step: it {what}, and a step is re-run as a whole.");
        }

        return workflow;
    }

    private static string Serialize<T>(DbosRuntime runtime, T value, string what)
    {
        try
        {
            return runtime.Serializer.Serialize(value, typeof(T));
        }
        catch (DbosSerializationException e)
        {
            throw new DbosSerializationException($"{what} cannot be stored. {e.Message}", e);
        }
    }

    private static T? Decode<T>(DbosRuntime runtime, string? text, string? serialization, string what, bool leftUnconsumed = false)
    {
        if (text is null)
        {
            return default;
        }

        try
        {
            return (T?)runtime.SerializerFor(serialization).Deserialize(text, typeof(T));
        }
        catch (Exception e) when (e is DbosSerializationException or InvalidCastException)
        {
            // The inner message names the serialization found and what the value holds.
            throw new DbosSerializationException(
                $"{what} cannot be read as {typeof(T).FullName}{(leftUnconsumed ? "; it was left unconsumed, receive it with the right type" : string.Empty)}. {e.Message}", e);
        }
    }

    private static long Now(DbosRuntime runtime) => runtime.Options.TimeProvider.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>The token for one database call: the caller's when it can be cancelled, else the runtime's stopping token.
    /// Either way the retry loop itself stops retrying at shutdown.</summary>
    private static CancellationToken Link(CancellationToken retry, CancellationToken caller) => caller.CanBeCanceled ? caller : retry;
}
