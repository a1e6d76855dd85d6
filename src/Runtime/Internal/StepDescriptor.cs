using System.ComponentModel;

namespace Dbos.Internal;

/// <summary>What the generator knows about one <c>[Step]</c> method. Used by generated code only;
/// generated code keeps one static instance per step.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class StepDescriptor
{
    public StepDescriptor(string name, bool retriesAllowed = false, double intervalSeconds = 1, int maxAttempts = 3, double backoffRate = 2)
    {
        Name = name;
        RetriesAllowed = retriesAllowed;
        IntervalSeconds = intervalSeconds;
        MaxAttempts = maxAttempts < 1 ? 1 : maxAttempts;
        BackoffRate = backoffRate;
    }

    public string Name { get; }
    public bool RetriesAllowed { get; }
    public double IntervalSeconds { get; }
    public int MaxAttempts { get; }
    public double BackoffRate { get; }
}
