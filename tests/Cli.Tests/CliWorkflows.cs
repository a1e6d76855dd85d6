using System;
using System.Threading.Tasks;

namespace Dbos.Cli.Tests;

/// <summary>The workflows whose rows the CLI tests read and operate.</summary>
public partial class CliWorkflows
{
    [Workflow]
    public async Task<string> Ship(int orderId)
    {
        var label = await Label(orderId);
        await Weigh(orderId);
        return label;
    }

    [Step]
    private static Task<string> Label(int orderId) => Task.FromResult($"label-{orderId}");

    [Step]
    private static Task<int> Weigh(int orderId) => Task.FromResult(orderId * 10);

    [Workflow]
    public Task Fail(string reason) => throw new InvalidOperationException(reason);

    /// <summary>The workflow of the stored schedules the schedule commands operate: it gets the tick and the schedule's context.</summary>
    [Workflow]
    public Task<string> Report(DateTimeOffset scheduledTime, string region) => Task.FromResult($"{region} {scheduledTime.UtcDateTime:yyyy-MM-dd'T'HH:mm}");
}
