using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Dbos.SystemDatabase;

namespace Dbos.Internal;

/// <summary>One execution of a workflow in this process: its identity, its ownership token and the counter
/// that gives each durable operation its function id.</summary>
internal sealed partial class WorkflowContext
{
    private readonly IReadOnlyDictionary<int, OperationRecord> _recorded;
    private int _lastFunctionId = -1;

    public WorkflowContext(DbosRuntime runtime, string workflowId, WorkflowDescriptor workflow, string ownerXid, IReadOnlyDictionary<int, OperationRecord> recorded)
    {
        Runtime = runtime;
        WorkflowId = workflowId;
        Workflow = workflow;
        OwnerXid = ownerXid;
        _recorded = recorded;
    }

    public DbosRuntime Runtime { get; }
    public string WorkflowId { get; }
    public WorkflowDescriptor Workflow { get; }
    public string OwnerXid { get; }

    /// <summary>Taken synchronously at the call, so concurrent steps started in a fixed order get fixed ids.</summary>
    public int NextFunctionId() => Interlocked.Increment(ref _lastFunctionId);

    /// <summary>How many function ids this execution has taken so far.</summary>
    public int OperationCount => Volatile.Read(ref _lastFunctionId) + 1;

    /// <summary>The id the next durable operation will get, without taking it (a patch takes it only when it records or finds its marker).</summary>
    public int PeekNextFunctionId() => Volatile.Read(ref _lastFunctionId) + 1;

    /// <summary>Takes <paramref name="functionId"/> if it is still the next one; false when another operation took it meanwhile.</summary>
    public bool TryTakeFunctionId(int functionId) => Interlocked.CompareExchange(ref _lastFunctionId, functionId, functionId - 1) == functionId - 1;

    /// <summary>The operation recorded at this id by an earlier execution, whatever its name.</summary>
    public OperationRecord? GetRecordedAny(int functionId) => _recorded.TryGetValue(functionId, out var record) ? record : null;

    /// <summary>The operation recorded at this id by an earlier execution, if any; a different name there means the
    /// workflow is not deterministic.</summary>
    public OperationRecord? GetRecorded(int functionId, string expectedName)
    {
        if (!_recorded.TryGetValue(functionId, out var record))
        {
            Runtime.Options.Hooks?.Unrecorded(this, functionId, expectedName);
            return null;
        }

        if (!string.Equals(record.FunctionName, expectedName, StringComparison.Ordinal))
        {
            throw new UnexpectedStepException(WorkflowId, functionId, expectedName, record.FunctionName);
        }

        return record;
    }
}

/// <summary>A <see cref="SetWorkflowID"/> scope's ID, used by the first workflow started in the scope.</summary>
internal sealed class WorkflowIdAssignment(string workflowId)
{
    private int _used;

    public string WorkflowId { get; } = workflowId;

    public bool TryTake() => Interlocked.Exchange(ref _used, 1) == 0;
}

/// <summary>Set by <c>DBOS.StartWorkflowAsync(() => Workflow(...))</c>: the intercepted workflow call starts the
/// workflow in the background and hands its handle back here instead of running it inline.</summary>
internal sealed class StartRequest(WorkflowOptions? options = null)
{
    private int _taken;

    /// <summary>The ID, timeout and queue given with <c>DBOS.StartWorkflowAsync(call, options)</c> or <c>DBOS.EnqueueAsync</c>.</summary>
    public WorkflowOptions? Options { get; } = options;

    public TaskCompletionSource<WorkflowHandle> Handle { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool TryTake() => Interlocked.Exchange(ref _taken, 1) == 0;

    public bool Taken => Volatile.Read(ref _taken) == 1;
}

/// <summary>The ambient DBOS state of the current async flow. Immutable: a change makes a new instance, so a
/// scope's change never leaks to its caller.</summary>
internal sealed record DbosAmbient
{
    private static readonly AsyncLocal<DbosAmbient?> Slot = new();

    public static DbosAmbient? Current
    {
        get => Slot.Value;
        set => Slot.Value = value;
    }

    /// <summary>The workflow whose body is running, or null.</summary>
    public WorkflowContext? Workflow { get; init; }

    /// <summary>Inside a step: its function id; durable calls made in a step are plain calls.</summary>
    public int? StepFunctionId { get; init; }

    public string? StepName { get; init; }

    public WorkflowIdAssignment? NextWorkflowId { get; init; }

    /// <summary>A <see cref="SetWorkflowTimeout"/> scope's timeout (its value null: no timeout), for the workflows started in it.</summary>
    public WorkflowTimeoutSetting? WorkflowTimeout { get; init; }

    public StartRequest? StartRequest { get; init; }

    /// <summary>Who is calling (DBOSContextSetAuth, DBOS.SetAuthentication, a web integration, or a workflow's stored
    /// values); inherited by the workflows started here.</summary>
    public DbosAuthentication? Authentication { get; init; }

    /// <summary>The HTTP request being handled (set by a web integration), or the one a workflow was started from.</summary>
    public DbosRequest? Request { get; init; }

    /// <summary>The runtime chosen by <see cref="DbosRuntime.Use"/> for calls made outside any workflow.</summary>
    public DbosRuntime? Runtime { get; init; }

    public bool InStep => StepFunctionId is not null;

    /// <summary>Restores the previous ambient state when disposed, also when an exception leaves the block.</summary>
    public static IDisposable Push(DbosAmbient value)
    {
        var previous = Slot.Value;
        Slot.Value = value;
        return new Restore(previous);
    }

    private sealed class Restore(DbosAmbient? previous) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                Slot.Value = previous;
            }
        }
    }
}
