using System;
using Dbos.Internal;

namespace Dbos;

/// <summary>
/// Sets the ID (the idempotency key) of the next workflow started in this scope:
/// <c>using (new SetWorkflowID("order-42")) { await orders.PlaceOrder(42); }</c>. Starting a workflow with an
/// ID that exists returns that workflow's result and never runs it twice.
/// </summary>
#pragma warning disable CA1711 // The name is DBOS's public API.
public sealed class SetWorkflowID : IDisposable
#pragma warning restore CA1711
{
    /// <summary>The longest workflow ID accepted.</summary>
    public const int MaxLength = 1024;

    private readonly IDisposable _restore;

    public SetWorkflowID(string workflowId)
    {
        Validate(workflowId, nameof(workflowId));
        var current = DbosAmbient.Current ?? new DbosAmbient();
        _restore = DbosAmbient.Push(current with { NextWorkflowId = new WorkflowIdAssignment(workflowId) });
    }

    public void Dispose() => _restore.Dispose();

    /// <summary>Rejects IDs that cannot be stored or addressed: null, empty, whitespace-only, longer than
    /// <see cref="MaxLength"/>, containing control characters or unpaired surrogates.</summary>
    internal static void Validate(string workflowId, string parameterName)
    {
        if (workflowId is null)
        {
            throw new ArgumentNullException(parameterName, "A workflow ID is required.");
        }

        if (string.IsNullOrWhiteSpace(workflowId))
        {
            throw new ArgumentException("A workflow ID must not be empty or whitespace.", parameterName);
        }

        if (workflowId.Length > MaxLength)
        {
            throw new ArgumentException($"A workflow ID must be at most {MaxLength} characters; this one has {workflowId.Length}.", parameterName);
        }

        foreach (var c in workflowId)
        {
            if (char.IsControl(c))
            {
                throw new ArgumentException($"A workflow ID must not contain control characters (found U+{(int)c:X4}).", parameterName);
            }
        }

        ValidateText(workflowId, "A workflow ID", parameterName);
    }

    /// <summary>Rejects text the system database cannot store as it is: an unpaired UTF-16 surrogate has no UTF-8 form
    /// (PostgreSQL refuses it, SQLite replaces it with U+FFFD, so two different values could become one), and PostgreSQL
    /// text cannot hold U+0000. For IDs, topics, event keys and idempotency keys.</summary>
    internal static void ValidateText(string value, string what, string parameterName)
    {
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                throw new ArgumentException(
                    $"{what} must be valid Unicode text: it has an unpaired surrogate U+{(int)c:X4} at index {i}, which cannot be stored as UTF-8. " +
                    "Build it from whole characters (e.g. do not cut a string between the two halves of an emoji).",
                    parameterName);
            }
            else if (c == '\0')
            {
                throw new ArgumentException($"{what} must not contain the character U+0000 (at index {i}), which PostgreSQL text cannot store.", parameterName);
            }
        }
    }
}
