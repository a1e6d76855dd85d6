using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Threading.Tasks;

namespace Dbos.Internal;

/// <summary>What the generator knows about one <c>[Workflow]</c> method. Used by generated code only.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class WorkflowDescriptor
{
    /// <param name="name">The stable workflow name (<c>[Workflow(Name)]</c> or the method name).</param>
    /// <param name="className">The class name stored in <c>class_name</c>: <c>[WorkflowClass(Name)]</c>, else the simple name of the declaring class.</param>
    /// <param name="maxRecoveryAttempts">From <c>[Workflow(MaxRecoveryAttempts)]</c>.</param>
    /// <param name="parameterNames">The method's parameter names, in order.</param>
    /// <param name="parameterTypes">The method's parameter types, in order.</param>
    /// <param name="resultType">The awaited result type, or <c>typeof(void)</c> for void/Task methods.</param>
    /// <param name="sourceHash">A hash of the method's source text; feeds the computed application version.</param>
    /// <param name="invoke">Runs the workflow body (uninterceped) for recovery: resolves the instance from the
    /// service provider for instance methods, converts the arguments and returns the boxed result.</param>
    /// <param name="requiredRoles">From <c>[RequiredRoles]</c> on the method, else on its class; null or empty for none.</param>
    public WorkflowDescriptor(
        string name,
        string className,
        int maxRecoveryAttempts,
        string[] parameterNames,
        Type[] parameterTypes,
        Type resultType,
        string sourceHash,
        Func<IServiceProvider, object?[], Task<object?>> invoke,
        string[]? requiredRoles = null)
    {
        Name = name;
        ClassName = className;
        MaxRecoveryAttempts = maxRecoveryAttempts;
        ParameterNames = parameterNames;
        ParameterTypes = parameterTypes;
        ResultType = resultType;
        SourceHash = sourceHash;
        Invoke = invoke;
        RequiredRoles = requiredRoles ?? [];
    }

    public string Name { get; }
    public string ClassName { get; }
    public int MaxRecoveryAttempts { get; }
    public string[] ParameterNames { get; }
    public Type[] ParameterTypes { get; }
    public Type ResultType { get; }
    public string SourceHash { get; }
    public Func<IServiceProvider, object?[], Task<object?>> Invoke { get; }

    /// <summary>The roles of which the caller needs one (<c>[RequiredRoles]</c>); empty for none.</summary>
    public IReadOnlyList<string> RequiredRoles { get; }

    /// <summary>The registry key: class and name, as DBOS clients address a workflow.</summary>
    public string QualifiedName => ClassName + "." + Name;
}
