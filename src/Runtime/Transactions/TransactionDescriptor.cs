using System;
using System.Collections.Generic;
using System.ComponentModel;

namespace Dbos.Internal;

/// <summary>What the generator knows about one <c>[Transaction]</c> method. Used by generated code only; generated
/// code keeps one static instance per transaction.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class TransactionDescriptor
{
    /// <param name="name">The recorded name (<c>[Transaction(Name)]</c> or the method name).</param>
    /// <param name="isolationLevel">From <c>[Transaction(IsolationLevel)]</c>.</param>
    /// <param name="readOnly">From <c>[Transaction(ReadOnly)]</c>.</param>
    /// <param name="temporaryWorkflow">The workflow <c>&lt;temp&gt;.name</c> that runs the transaction when it is called
    /// outside a workflow; registered like any workflow, so recovery can finish it.</param>
    /// <param name="requiredRoles">From <c>[RequiredRoles]</c> on the method, else on its class; null or empty for none.</param>
    public TransactionDescriptor(string name, TransactionIsolationLevel isolationLevel, bool readOnly, WorkflowDescriptor temporaryWorkflow, string[]? requiredRoles = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(temporaryWorkflow);
        Name = name;
        IsolationLevel = isolationLevel;
        ReadOnly = readOnly;
        TemporaryWorkflow = temporaryWorkflow;
        RequiredRoles = requiredRoles ?? [];
    }

    public string Name { get; }
    public TransactionIsolationLevel IsolationLevel { get; }
    public bool ReadOnly { get; }
    public WorkflowDescriptor TemporaryWorkflow { get; }

    /// <summary>The roles of which the caller needs one (<c>[RequiredRoles]</c>); empty for none.</summary>
    public IReadOnlyList<string> RequiredRoles { get; }
}
