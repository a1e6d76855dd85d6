using System.Threading.Tasks;
using Microsoft.CodeAnalysis.Testing;
using NUnit.Framework;
using Verify = Dbos.Analyzers.Tests.AnalyzerVerifier<Dbos.Analyzers.ScheduledAnalyzer>;

namespace Dbos.Analyzers.Tests;

public class ScheduledTests
{
    private const string Usings = """
        using System;
        using System.Threading.Tasks;
        using Dbos;

        """;

    [Test]
    public Task A_scheduled_workflow_with_the_two_times_and_valid_cron_texts_raise_nothing() => Verify.VerifyAsync(
        Usings + """
        public partial class Jobs
        {
            [Scheduled("*/10 * * * * *")]
            [Workflow]
            public Task EveryTenSeconds(DateTimeOffset scheduledTime, DateTimeOffset actualTime) => Task.CompletedTask;

            [Scheduled("0 2 * * MON-FRI", TimeZone = "Europe/Paris", Queue = "reports")]
            [Workflow]
            public static Task<int> Weekdays(DateTimeOffset tick, DateTimeOffset now) => Task.FromResult(1);

            [Scheduled("0 0 12 L * ?")] [Workflow] public Task LastDay(DateTimeOffset a, DateTimeOffset b) => Task.CompletedTask;
            [Scheduled("0 0 9 ? * FRI#2")] [Workflow] public Task SecondFriday(DateTimeOffset a, DateTimeOffset b) => Task.CompletedTask;
            [Scheduled("0,30 8-18/2 1,15 JAN,jul *")] [Workflow] public Task Lists(DateTimeOffset a, DateTimeOffset b) => Task.CompletedTask;
            [Scheduled("@daily")] [Workflow] public Task Daily(DateTimeOffset a, DateTimeOffset b) => Task.CompletedTask;
        }
        """);

    [Test]
    public Task A_scheduled_method_that_is_not_a_workflow_or_takes_other_parameters_is_an_error() => Verify.VerifyAsync(
        Usings + """
        public partial class Jobs
        {
            [{|#0:Scheduled("0 * * * *")|}]
            public Task NotAWorkflow(DateTimeOffset scheduledTime, DateTimeOffset actualTime) => Task.CompletedTask;

            [{|#1:Scheduled("0 * * * *")|}]
            [Workflow]
            public Task OneTime(DateTime scheduledTime) => Task.CompletedTask;

            [{|#2:Scheduled("0 * * * *")|}]
            [Workflow]
            public Task WithContext(DateTimeOffset scheduledTime, string context) => Task.CompletedTask;
        }
        """,
        new[]
        {
            new DiagnosticResult(Rules.BadScheduledSignature).WithLocation(0).WithArguments("NotAWorkflow", "add [Workflow]"),
            new DiagnosticResult(Rules.BadScheduledSignature).WithLocation(1).WithArguments("OneTime", "it takes (System.DateTime scheduledTime)"),
            new DiagnosticResult(Rules.BadScheduledSignature).WithLocation(2).WithArguments("WithContext", "it takes (System.DateTimeOffset scheduledTime, string context)"),
        });

    [Test]
    public Task Bad_cron_texts_are_errors_that_say_what_is_wrong() => Verify.VerifyAsync(
        Usings + """
        public partial class Jobs
        {
            [Scheduled({|#0:"60 * * * *"|})] [Workflow] public Task Minute(DateTimeOffset a, DateTimeOffset b) => Task.CompletedTask;
            [Scheduled({|#1:"0 0 * * * * *"|})] [Workflow] public Task Seven(DateTimeOffset a, DateTimeOffset b) => Task.CompletedTask;
            [Scheduled({|#2:"*/0 * * * *"|})] [Workflow] public Task ZeroStep(DateTimeOffset a, DateTimeOffset b) => Task.CompletedTask;
            [Scheduled({|#3:"0 0 * FOO *"|})] [Workflow] public Task Month(DateTimeOffset a, DateTimeOffset b) => Task.CompletedTask;
            [Scheduled({|#4:"@sometimes"|})] [Workflow] public Task Macro(DateTimeOffset a, DateTimeOffset b) => Task.CompletedTask;
        }
        """,
        new[]
        {
            new DiagnosticResult(Rules.BadCronText).WithLocation(0).WithArguments("60 * * * *", "the minute field '60' has '60', which is not 0-59"),
            new DiagnosticResult(Rules.BadCronText).WithLocation(1).WithArguments("0 0 * * * * *", "it has 7 fields; use 5 (minute hour day-of-month month day-of-week) or 6 with seconds first"),
            new DiagnosticResult(Rules.BadCronText).WithLocation(2).WithArguments("*/0 * * * *", "the minute field '*/0' has a bad step in '*/0' (1 to 59)"),
            new DiagnosticResult(Rules.BadCronText).WithLocation(3).WithArguments("0 0 * FOO *", "the month field 'FOO' has 'FOO', which is not 1-12 or JAN-DEC"),
            new DiagnosticResult(Rules.BadCronText).WithLocation(4).WithArguments("@sometimes", "'@sometimes' is not a known macro (@yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly, @every_minute, @every_second)"),
        });
}
