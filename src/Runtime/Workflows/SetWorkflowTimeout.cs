using System;
using Dbos.Internal;

namespace Dbos;

/// <summary>
/// Sets the start-to-close timeout of the workflows started in this scope:
/// <c>using (new SetWorkflowTimeout(TimeSpan.FromMinutes(5))) { await orders.PlaceOrder(42); }</c>. A workflow that has not
/// finished by its deadline is cancelled (its next durable operation throws <see cref="WorkflowCancelledException"/> and its
/// handle <see cref="AwaitedWorkflowCancelledException"/>), also when it was recovered after a crash. Children inherit their
/// parent's deadline; inside a workflow this scope gives its children their own timeout instead, and <c>null</c> none at all.
/// </summary>
public sealed class SetWorkflowTimeout : IDisposable
{
    private readonly IDisposable _restore;

    /// <param name="timeout">Positive, or null for no timeout.</param>
    public SetWorkflowTimeout(TimeSpan? timeout)
    {
        Validate(timeout, nameof(timeout));
        var current = DbosAmbient.Current ?? new DbosAmbient();
        _restore = DbosAmbient.Push(current with { WorkflowTimeout = new WorkflowTimeoutSetting(timeout) });
    }

    public void Dispose() => _restore.Dispose();

    internal static void Validate(TimeSpan? timeout, string parameterName)
    {
        if (timeout is { } value && (value <= TimeSpan.Zero || value.TotalMilliseconds > long.MaxValue / 2))
        {
            throw new ArgumentOutOfRangeException(parameterName, value, "A workflow timeout must be positive and finite; pass null for no timeout.");
        }
    }
}
