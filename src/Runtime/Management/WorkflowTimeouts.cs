using System;

namespace Dbos.Internal;

/// <summary>A timeout chosen for the next workflows; <see cref="Timeout"/> null means none (not inherited).</summary>
internal sealed record WorkflowTimeoutSetting(TimeSpan? Timeout);

/// <summary>The timeout and deadline a workflow start records (<c>workflow_timeout_ms</c>, <c>workflow_deadline_epoch_ms</c>).</summary>
internal static class WorkflowTimeouts
{
    /// <summary>A scope's timeout starts a new deadline now; without one, a child takes its parent's deadline.</summary>
    public static (long? TimeoutMs, long? DeadlineEpochMs) ForStart(DbosAmbient? ambient, WorkflowContext? parent, long now)
    {
        if (ambient?.WorkflowTimeout is { } setting)
        {
            if (setting.Timeout is not { } timeout)
            {
                return (null, null);
            }

            var ms = (long)Math.Ceiling(timeout.TotalMilliseconds);
            return (ms, now + ms);
        }

        return parent is { DeadlineEpochMs: { } deadline } ? (parent.TimeoutMs, deadline) : (null, null);
    }
}

/// <summary>An execution's timeout and deadline (epoch milliseconds), both null without a timeout.</summary>
internal readonly record struct WorkflowDeadline(long? TimeoutMs, long? EpochMs);
