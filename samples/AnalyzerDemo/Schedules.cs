using System;
using System.Threading.Tasks;
using Dbos;

namespace Dbos.Samples.AnalyzerDemo;

public partial class Schedules
{
    // DBOS017: a [Scheduled] workflow takes (DateTimeOffset scheduledTime, DateTimeOffset actualTime).
    [Scheduled("0 0 2 * * *")]
    [Workflow]
    public Task Cleanup(int days) => Task.CompletedTask;

    // DBOS018: the hour field '25' is not 0-23.
    [Scheduled("0 25 * * *")]
    [Workflow]
    public Task Report(DateTimeOffset scheduledTime, DateTimeOffset actualTime) => Task.CompletedTask;
}
