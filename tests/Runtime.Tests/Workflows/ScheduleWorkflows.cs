using System;
using System.Globalization;
using System.Threading.Tasks;

namespace Dbos.Tests;

public static partial class ScheduleWorkflows
{
    /// <summary>The workflow of stored schedules: returns its context and tick, so the test reads both from the database.</summary>
    [Workflow]
    public static Task<string> Tick(DateTimeOffset scheduledTime, string context)
        => Task.FromResult(context + "@" + scheduledTime.UtcDateTime.ToString("HH:mm:ss", CultureInfo.InvariantCulture));

    /// <summary>A workflow that cannot be scheduled: it does not take the tick first.</summary>
    [Workflow]
    public static Task<string> NotSchedulable(string context) => Task.FromResult(context);

    /// <summary>Fires every 5 s on 29 February only, so runtimes on the real clock in other tests never fire it; the test's fake
    /// clock starts on 2028-02-29.</summary>
    [Scheduled("*/5 * * 29 2 *")]
    [Workflow]
    public static Task<string> LeapDayTick(DateTimeOffset scheduledTime, DateTimeOffset actualTime)
        => Task.FromResult(scheduledTime.UtcDateTime.ToString("HH:mm:ss", CultureInfo.InvariantCulture) + (actualTime >= scheduledTime ? " late-or-on-time" : " early"));
}
