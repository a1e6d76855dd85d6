using System.Threading.Tasks;
using NUnit.Framework;
using Verify = Dbos.Analyzers.Tests.AnalyzerVerifier<Dbos.Analyzers.Determinism.DeterminismAnalyzer>;
using VerifyFix = Dbos.Analyzers.Tests.CodeFixVerifier<Dbos.Analyzers.Determinism.DeterminismAnalyzer, Dbos.Analyzers.CodeFixes.DurableSleepCodeFix>;

namespace Dbos.Analyzers.Tests;

public class DeterminismTests
{
    private const string Usings = """
        using System;
        using System.Collections.Generic;
        using System.Diagnostics;
        using System.IO;
        using System.Linq;
        using System.Net;
        using System.Net.Http;
        using System.Security.Cryptography;
        using System.Threading;
        using System.Threading.Tasks;
        using Dbos;

        """;

    [Test]
    public Task Time_and_randomness_in_a_workflow_body_are_reported() => Verify.VerifyAsync(
        Usings + """
        public partial class Orders
        {
            [Workflow]
            public Task<string> Place(int id)
            {
                var at = {|#0:DateTime.Now|};
                var utc = {|#1:DateTimeOffset.UtcNow|};
                var today = {|#2:DateTime.Today|};
                var key = {|#3:Guid.NewGuid()|};
                var dice = {|#4:new Random()|}.Next(6);
                var shared = {|#5:Random.Shared|}.Next();
                var secret = {|#6:RandomNumberGenerator.GetInt32(10)|};
                var watch = {|#7:Stopwatch.StartNew()|};
                var ticks = {|#8:Environment.TickCount64|};
                var seeded = new Random(42).Next();
                return Task.FromResult($"{id}{at}{utc}{today}{key}{dice}{shared}{secret}{watch}{ticks}{seeded}");
            }
        }
        """,
        expected: new[]
        {
            Value(0, "Workflow 'Place' uses 'DateTime.Now'"),
            Value(1, "Workflow 'Place' uses 'DateTimeOffset.UtcNow'"),
            Value(2, "Workflow 'Place' uses 'DateTime.Today'"),
            Value(3, "Workflow 'Place' uses 'Guid.NewGuid'"),
            Value(4, "Workflow 'Place' uses 'new Random()'"),
            Value(5, "Workflow 'Place' uses 'Random.Shared'"),
            Value(6, "Workflow 'Place' uses 'RandomNumberGenerator.GetInt32'"),
            Value(7, "Workflow 'Place' uses 'Stopwatch.StartNew'"),
            Value(8, "Workflow 'Place' uses 'Environment.TickCount64'"),
        });

    [Test]
    public Task The_message_names_the_call_chain() => Verify.VerifyAsync(
        Usings + """
        public partial class Orders
        {
            [Workflow]
            public async Task<string> PlaceOrder(int id)
            {
                var stamp = {|#0:Helper()|};
                var name = {|#1:Naming.Make(id)|};
                return await Task.FromResult(stamp + name);
            }

            private static string Helper() => DateTime.Now.ToString("O");
        }

        internal static class Naming
        {
            public static string Make(int id) => Suffix(id);

            private static string Suffix(int id) => id + "-" + Guid.NewGuid();
        }
        """,
        expected: new[]
        {
            Value(0, "Workflow 'PlaceOrder' calls 'Helper', which uses 'DateTime.Now'"),
            Value(1, "Workflow 'PlaceOrder' calls 'Naming.Make', which calls 'Naming.Suffix', which uses 'Guid.NewGuid'"),
        });

    [Test]
    public Task Steps_transactions_and_child_workflows_may_do_anything() => Verify.VerifyAsync(
        Usings + """
        public partial class Orders
        {
            [Workflow]
            public async Task<string> Place(int id)
            {
                var stamp = await Stamp();
                var child = await Child(id);
                var key = NewKey();
                return stamp + child + key;
            }

            [Step]
            private static Task<string> Stamp() => Task.FromResult(DateTime.UtcNow.ToString("O") + File.ReadAllText("/etc/hostname"));

            [Step]
            private static string NewKey() => Helper();

            private static string Helper() => Guid.NewGuid().ToString();

            [Workflow]
            public async Task<string> Child(int id)
            {
                await Task.Yield();
                return id.ToString();
            }
        }
        """);

    [Test]
    public Task Outside_workflows_nothing_is_reported() => Verify.VerifyAsync(
        Usings + """
        public static class Clock
        {
            public static async Task<DateTime> Later()
            {
                await Task.Delay(10);
                return DateTime.Now.AddMinutes(new Random().Next(5));
            }
        }
        """);

    [Test]
    public Task Io_in_a_workflow_is_reported() => Verify.VerifyAsync(
        Usings + """
        public partial class Orders
        {
            private static readonly HttpClient Http = new();

            [Workflow]
            public async Task<string> Place(int id)
            {
                var text = {|#0:File.ReadAllText("order.txt")|};
                using var stream = {|#1:new FileStream("order.bin", FileMode.Open)|};
                using var reader = {|#2:new StreamReader("order.csv")|};
                var page = await {|#3:Http.GetStringAsync("https://example.com")|};
                var home = {|#4:Environment.GetEnvironmentVariable("HOME")|};
                var addresses = await {|#5:Dns.GetHostAddressesAsync("example.com")|};
                {|#6:Process.Start("ls")|};
                using var memory = new StreamReader(new MemoryStream());
                return text + page + home + addresses.Length;
            }
        }
        """,
        expected: new[]
        {
            Io(0, "Workflow 'Place' uses 'File.ReadAllText'"),
            Io(1, "Workflow 'Place' uses 'new FileStream(...)'"),
            Io(2, "Workflow 'Place' uses 'new StreamReader(...)'"),
            Io(3, "Workflow 'Place' uses 'HttpClient.GetStringAsync'"),
            Io(4, "Workflow 'Place' uses 'Environment.GetEnvironmentVariable'"),
            Io(5, "Workflow 'Place' uses 'Dns.GetHostAddressesAsync'"),
            Io(6, "Workflow 'Place' uses 'Process.Start'"),
        });

    [Test]
    public Task Thread_pool_and_WhenAny_over_durable_calls_are_reported() => Verify.VerifyAsync(
        Usings + """
        public partial class Orders
        {
            [Workflow]
            public async Task<int> Place(int[] ids)
            {
                var first = await {|#0:Task.Run(() => Price(ids[0]))|};
                {|#1:Parallel.ForEach(ids, id => Price(id).Wait())|};
                var a = Price(1);
                var b = Price(2);
                var winner = await {|#2:Task.WhenAny(a, b)|};
                var both = await Task.WhenAll(a, b);
                var quick = await Task.Run(() => ids.Sum());
                var racing = await Task.WhenAny(Task.FromResult(1), Task.FromResult(2));
                return first + both.Sum() + quick + await winner;
            }

            [Step]
            public Task<int> Price(int id) => Task.FromResult(id * 10);
        }
        """,
        expected: new[]
        {
            Scheduling(0, "Workflow 'Place' uses 'Task.Run'"),
            Scheduling(1, "Workflow 'Place' uses 'Parallel.ForEach'"),
            Scheduling(2, "Workflow 'Place' uses 'Task.WhenAny'", "which one finishes first can differ when the workflow is replayed; await them all with Task.WhenAll, or wait for a message with DBOS.RecvAsync and a timeout"),
        });

    [Test]
    public Task Task_Delay_becomes_DBOS_SleepAsync()
    {
        if (!TestSetup.DbosHas("SleepAsync"))
        {
            Assert.Ignore("DBOS.SleepAsync is not in the runtime yet.");
        }

        return VerifyFix.VerifyAsync(
            Usings + """
            public partial class Reminders
            {
                [Workflow]
                public async Task Remind(TimeSpan wait)
                {
                    await {|DBOS004:Task.Delay(1000)|};
                    await {|DBOS004:Task.Delay(wait)|};
                    await Task.Delay(Timeout.Infinite);
                }

                [Workflow]
                public void RemindSync()
                {
                    {|DBOS004:Thread.Sleep(250)|};
                }
            }
            """,
            Usings + """
            public partial class Reminders
            {
                [Workflow]
                public async Task Remind(TimeSpan wait)
                {
                    await DBOS.SleepAsync(TimeSpan.FromMilliseconds(1000));
                    await DBOS.SleepAsync(wait);
                    await Task.Delay(Timeout.Infinite);
                }

                [Workflow]
                public void RemindSync()
                {
                    DBOS.Sleep(TimeSpan.FromMilliseconds(250));
                }
            }
            """);
    }

    [Test]
    public Task A_delay_reached_through_a_helper_is_reported_without_a_fix() => VerifyFix.VerifyNoFixAsync(
        Usings + """
        public partial class Reminders
        {
            [Workflow]
            public async Task Remind()
            {
                await {|DBOS004:Pause()|};
            }

            private static Task Pause() => Task.Delay(100);
        }
        """);

    [Test]
    public Task Recursion_in_helpers_terminates() => Verify.VerifyAsync(
        Usings + """
        public partial class Orders
        {
            [Workflow]
            public Task<int> Place(int n) => Task.FromResult({|#0:Ping(n)|});

            private static int Ping(int n) => n <= 0 ? Environment.TickCount : Pong(n - 1);

            private static int Pong(int n) => Ping(n - 1);
        }
        """,
        expected: new[] { Value(0, "Workflow 'Place' calls 'Ping', which uses 'Environment.TickCount'") });

    private static Microsoft.CodeAnalysis.Testing.DiagnosticResult Value(int location, string what)
        => new Microsoft.CodeAnalysis.Testing.DiagnosticResult(Rules.NonDeterministicValue).WithLocation(location).WithArguments(what);

    private static Microsoft.CodeAnalysis.Testing.DiagnosticResult Io(int location, string what)
        => new Microsoft.CodeAnalysis.Testing.DiagnosticResult(Rules.IoOutsideStep).WithLocation(location).WithArguments(what);

    private static Microsoft.CodeAnalysis.Testing.DiagnosticResult Scheduling(int location, string what, string? advice = null)
        => new Microsoft.CodeAnalysis.Testing.DiagnosticResult(Rules.NonDeterministicScheduling).WithLocation(location).WithArguments(
            what,
            advice ?? "the thread pool starts them in any order, so a replay can number them differently; call them directly in the workflow and await them together with Task.WhenAll");
}
