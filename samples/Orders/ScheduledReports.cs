using System;
using System.Globalization;
using System.Threading.Tasks;
using Dbos;

namespace Dbos.Samples.Orders;

/// <summary>A scheduled workflow: every 5 seconds while the app runs (run it with the "schedule" command).</summary>
public static partial class ScheduledReports
{
    /// <summary>Runs once per tick however many processes run the app: the tick's workflow ID is sched-StockReport-{tick}.</summary>
    [Scheduled("*/5 * * * * *")]
    [Workflow]
    public static async Task<string> StockReport(DateTimeOffset scheduledTime, DateTimeOffset actualTime)
    {
        var line = await Report(scheduledTime, actualTime);
        return line;
    }

    [Step]
    private static Task<string> Report(DateTimeOffset scheduledTime, DateTimeOffset actualTime)
    {
        var line = $"stock report for the tick at {scheduledTime.ToString("HH:mm:ss", CultureInfo.InvariantCulture)} UTC " +
            $"(enqueued {(actualTime - scheduledTime).TotalMilliseconds:0} ms after it), workflow {DBOS.WorkflowId}";
        Console.WriteLine(line);
        return Task.FromResult(line);
    }
}
