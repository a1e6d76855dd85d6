using System;
using System.Collections.Generic;
using Dbos.Internal;
using Dbos.Serialization;

namespace Dbos;

/// <summary>The rest of a workflow's status row, as DBOS returns it from <c>list_workflows</c>, and its stored input, output
/// and error: as stored (<see cref="SerializedInput"/>, ...) and read back typed (<see cref="GetInputs"/>, <see cref="GetOutput{T}"/>,
/// <see cref="GetError"/>) with the serializer the row names.</summary>
public sealed partial record WorkflowStatus
{
    /// <summary>The configured instance name (<c>config_name</c>), set by DBOS clients that have one.</summary>
    public string? ConfigName { get; init; }

    /// <summary>The roles of the user who started the workflow.</summary>
    public IReadOnlyList<string> AuthenticatedRoles { get; init; } = [];

    /// <summary>The start-to-close timeout, or null.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>When the workflow is cancelled if it has not finished, or null (no timeout, or a queued workflow not dequeued yet).</summary>
    public DateTimeOffset? Deadline { get; init; }

    /// <summary>When the workflow started running (for a queued one: when it was dequeued), or null.</summary>
    public DateTimeOffset? DequeuedAt { get; init; }

    /// <summary>Until when a DELAYED workflow waits before it becomes ENQUEUED, or null.</summary>
    public DateTimeOffset? DelayUntil { get; init; }

    /// <summary>The queue deduplication ID while the workflow is queued or running, or null.</summary>
    public string? DeduplicationId { get; init; }

    /// <summary>The queue priority (0 is the highest).</summary>
    public int Priority { get; init; }

    /// <summary>The queue partition key, or null.</summary>
    public string? PartitionKey { get; init; }

    /// <summary>The workflow this one was forked from, or null.</summary>
    public string? ForkedFrom { get; init; }

    /// <summary>Whether another workflow was forked from this one.</summary>
    public bool WasForkedFrom { get; init; }

    /// <summary>The stored arguments (as written by <see cref="Serialization"/>), or null when not loaded.</summary>
    public string? SerializedInput { get; init; }

    /// <summary>The stored result of a SUCCESS workflow, or null when there is none or it was not loaded.</summary>
    public string? SerializedOutput { get; init; }

    /// <summary>The stored error of an ERROR workflow, or null when there is none or it was not loaded.</summary>
    public string? SerializedError { get; init; }

    /// <summary>Reads the stored values with the serializer of the runtime (or client) that listed the row.</summary>
    internal StoredPayloadReader? Payloads { get; init; }

    /// <summary>The workflow's result read as <typeparamref name="T"/>; <c>default</c> when it has none (not finished, failed, or
    /// listed without <see cref="WorkflowFilter.LoadOutput"/>).</summary>
    public T? GetOutput<T>() => SerializedOutput is null ? default : (T?)Reader().Deserialize(SerializedOutput, typeof(T), Serialization, $"The result of workflow {WorkflowId}");

    /// <summary>The workflow's recorded error (its original exception type where this process knows it, else a
    /// <see cref="PortableWorkflowException"/>), or null when it has none.</summary>
    public Exception? GetError() => SerializedError is null ? null : Reader().DeserializeError(SerializedError, Serialization);

    /// <summary>The workflow's arguments. Without <paramref name="parameterTypes"/>, read as the parameters of the workflow
    /// registered in this process under the row's class and name; else as the given types, in order. Empty when the input was
    /// not loaded.</summary>
    public object?[] GetInputs(params Type[] parameterTypes)
    {
        ArgumentNullException.ThrowIfNull(parameterTypes);
        if (SerializedInput is null)
        {
            return [];
        }

        if (parameterTypes.Length == 0)
        {
            var workflow = WorkflowRegistry.Global.Find(ClassName, Name) ?? throw new InvalidOperationException(
                $"Workflow {WorkflowId} ({ClassName}.{Name}) is not registered in this process, so its parameter types are unknown: pass them, e.g. GetInputs(typeof(int), typeof(string)).");
            parameterTypes = workflow.ParameterTypes;
        }

        return Reader().DeserializeArguments(SerializedInput, parameterTypes, Serialization, $"The input of workflow {WorkflowId}");
    }

    private StoredPayloadReader Reader() => Payloads ?? throw new InvalidOperationException(
        "This WorkflowStatus was not read from a system database, so it has no serializer to read its values with. Get it from ListWorkflowsAsync or GetWorkflowStatusAsync.");
}

/// <summary>One recorded operation of a workflow (a step, transaction, send, receive, sleep, child start, ...), as DBOS's
/// <c>list_workflow_steps</c> returns it.</summary>
/// <param name="FunctionId">Its position in the workflow, 0-based in call order.</param>
/// <param name="Name">The recorded name: the step's name, <c>DBOS.sleep</c>, <c>DBOS.recv</c>, ..., or a child workflow's name.</param>
/// <param name="ChildWorkflowId">The child workflow it started or awaited, or null.</param>
/// <param name="StartedAt">When it started, or null when the writer did not record it.</param>
/// <param name="CompletedAt">When its outcome was recorded, or null.</param>
public sealed record WorkflowStep(int FunctionId, string Name, string? ChildWorkflowId, DateTimeOffset? StartedAt, DateTimeOffset? CompletedAt)
{
    /// <summary>The stored output, or null.</summary>
    public string? SerializedOutput { get; init; }

    /// <summary>The stored error, or null.</summary>
    public string? SerializedError { get; init; }

    /// <summary>The serialization of <see cref="SerializedOutput"/> and <see cref="SerializedError"/>.</summary>
    public string? Serialization { get; init; }

    internal StoredPayloadReader? Payloads { get; init; }

    internal string? WorkflowId { get; init; }

    /// <summary>The recorded output read as <typeparamref name="T"/>; <c>default</c> when there is none.</summary>
    public T? GetOutput<T>() => SerializedOutput is null ? default : (T?)Reader().Deserialize(SerializedOutput, typeof(T), Serialization, $"The output of step {FunctionId} ({Name}) of workflow {WorkflowId}");

    /// <summary>The recorded error, or null when the operation succeeded.</summary>
    public Exception? GetError() => SerializedError is null ? null : Reader().DeserializeError(SerializedError, Serialization);

    private StoredPayloadReader Reader() => Payloads ?? throw new InvalidOperationException(
        "This WorkflowStep was not read from a system database, so it has no serializer to read its values with. Get it from ListWorkflowStepsAsync.");
}
