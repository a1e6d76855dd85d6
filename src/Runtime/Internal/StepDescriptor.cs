using System.Collections.Generic;
using System.ComponentModel;

namespace Dbos.Internal;

/// <summary>What the generator knows about one <c>[Step]</c> method. Used by generated code only;
/// generated code keeps one static instance per step.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class StepDescriptor
{
    /// <param name="name">The recorded name (<c>[Step(Name)]</c> or the method name).</param>
    /// <param name="retriesAllowed">From <c>[Step(RetriesAllowed)]</c>.</param>
    /// <param name="intervalSeconds">From <c>[Step(IntervalSeconds)]</c>.</param>
    /// <param name="maxAttempts">From <c>[Step(MaxAttempts)]</c>.</param>
    /// <param name="backoffRate">From <c>[Step(BackoffRate)]</c>.</param>
    /// <param name="requiredRoles">From <c>[RequiredRoles]</c> on the method, else on its class; null or empty for none.</param>
    public StepDescriptor(string name, bool retriesAllowed = false, double intervalSeconds = 1, int maxAttempts = 3, double backoffRate = 2, string[]? requiredRoles = null)
    {
        Name = name;
        RetriesAllowed = retriesAllowed;
        IntervalSeconds = intervalSeconds;
        MaxAttempts = maxAttempts < 1 ? 1 : maxAttempts;
        BackoffRate = backoffRate;
        RequiredRoles = requiredRoles ?? [];
    }

    public string Name { get; }
    public bool RetriesAllowed { get; }
    public double IntervalSeconds { get; }
    public int MaxAttempts { get; }
    public double BackoffRate { get; }

    /// <summary>The roles of which the caller needs one (<c>[RequiredRoles]</c>); empty for none.</summary>
    public IReadOnlyList<string> RequiredRoles { get; }
}
