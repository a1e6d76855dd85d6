using Dbos.Internal;

namespace Dbos.Scheduling;

/// <summary>A <c>[Scheduled]</c> workflow as the generator registered it: its schedule is named after the workflow.</summary>
internal sealed record StaticSchedule(WorkflowDescriptor Workflow, string Cron, string? TimeZone, string? Queue)
{
    public string Name => Workflow.Name;
}
