using System.Threading.Tasks;
using Microsoft.CodeAnalysis.Testing;
using NUnit.Framework;
using Verify = Dbos.Analyzers.Tests.AnalyzerVerifier<Dbos.Analyzers.DurableContextAnalyzer>;

namespace Dbos.Analyzers.Tests;

public class DurableContextTests
{
    private const string Usings = """
        using System;
        using System.Threading.Tasks;
        using Dbos;
        using Microsoft.EntityFrameworkCore;

        """;

    [SetUp]
    public void RequireApis()
    {
        if (!TestSetup.DbosHas("RecvAsync") || !TestSetup.DbosHas("SqlSession"))
        {
            Assert.Ignore("DBOS.Recv/SetEvent/Sleep and DBOS.SqlSession are not all in the runtime yet.");
        }
    }

    [Test]
    public Task SqlSession_outside_a_transaction_is_reported() => Verify.VerifyAsync(
        Usings + """
        public partial class Shop
        {
            [Workflow]
            public async Task<int> Order(int id)
            {
                var db = {|#0:DBOS.SqlSession|};
                await Task.Yield();
                return await Reserve(id) + await Count() + db.GetHashCode();
            }

            [Step]
            public Task<int> Count() => Task.FromResult({|#1:DBOS.SqlSession|}.GetHashCode());

            [Transaction]
            public async Task<int> Reserve(int id)
            {
                await DBOS.SqlSession.SaveChangesAsync();
                return Helper() + id;
            }

            // Code a transaction calls may use the session: who calls it is not guessed at.
            private static int Helper() => DBOS.SqlSession.GetHashCode();
        }
        """,
        new[]
        {
            new DiagnosticResult(Rules.SqlSessionOutsideTransaction).WithLocation(0).WithArguments("[Workflow] 'Order'"),
            new DiagnosticResult(Rules.SqlSessionOutsideTransaction).WithLocation(1).WithArguments("[Step] 'Count'"),
        });

    [Test]
    public Task Controlling_the_transaction_inside_a_Transaction_is_reported() => Verify.VerifyAsync(
        Usings + """
        public partial class Shop
        {
            [Transaction]
            public async Task Reserve(int id)
            {
                var db = DBOS.SqlSession;
                await {|#0:db.Database.BeginTransactionAsync()|};
                {|#1:DBOS.SqlSession.Database.CommitTransaction()|};
                db.Database.CurrentTransaction?{|#2:.Rollback()|};
                using var tx = {|#3:DBOS.SqlSession.Database.BeginTransaction()|};
                {|#4:tx.Commit()|};
                await db.SaveChangesAsync();
            }

            public static void Elsewhere(DbContext context) => context.Database.CommitTransaction();
        }
        """,
        new[]
        {
            Control(0, "DatabaseFacade.BeginTransactionAsync", "Reserve"),
            Control(1, "DatabaseFacade.CommitTransaction", "Reserve"),
            Control(2, "IDbContextTransaction.Rollback", "Reserve"),
            Control(3, "DatabaseFacade.BeginTransaction", "Reserve"),
            Control(4, "IDbContextTransaction.Commit", "Reserve"),
        });

    [Test]
    public Task Recv_in_a_step_or_a_transaction_is_reported() => Verify.VerifyAsync(
        Usings + """
        public partial class Chat
        {
            [Workflow]
            public async Task<string?> Talk()
            {
                await DBOS.SetEventAsync("state", "waiting");
                await DBOS.SleepAsync(TimeSpan.FromSeconds(1));
                return await DBOS.RecvAsync<string>("topic");
            }

            [Step]
            public async Task<string?> Listen()
            {
                await DBOS.SetEventAsync("state", "listening");
                await DBOS.SleepAsync(TimeSpan.FromMilliseconds(10));
                return await {|#0:DBOS.RecvAsync<string>("topic")|};
            }

            [Transaction]
            public string? ListenInTransaction() => {|#1:DBOS.Recv<string>()|};
        }
        """,
        new[]
        {
            new DiagnosticResult(Rules.WorkflowOnlyApi).WithLocation(0).WithArguments("DBOS.RecvAsync", "'Listen' is a [Step]"),
            new DiagnosticResult(Rules.WorkflowOnlyApi).WithLocation(1).WithArguments("DBOS.Recv", "'ListenInTransaction' is a [Transaction]"),
        });

    [Test]
    public Task Workflow_only_APIs_in_the_entry_point_are_reported() => new CSharpAnalyzerTestWithOutput(
        Usings + """
        public static class Program
        {
            public static async Task Main()
            {
                await {|#0:DBOS.SleepAsync(TimeSpan.FromSeconds(1))|};
                var message = await {|#1:DBOS.RecvAsync<string>()|};
                {|#2:DBOS.SetEvent("k", message)|};
                await DBOS.SendAsync("other", "hi");
                Func<Task> later = () => DBOS.SleepAsync(TimeSpan.Zero);
                await later();
            }

            // Nobody is known to call this from outside a workflow: not reported.
            public static Task Helper() => DBOS.SleepAsync(TimeSpan.Zero);
        }
        """,
        new DiagnosticResult(Rules.WorkflowOnlyApi).WithLocation(0).WithArguments("DBOS.SleepAsync", "'Main', the program's entry point, never runs inside a workflow"),
        new DiagnosticResult(Rules.WorkflowOnlyApi).WithLocation(1).WithArguments("DBOS.RecvAsync", "'Main', the program's entry point, never runs inside a workflow"),
        new DiagnosticResult(Rules.WorkflowOnlyApi).WithLocation(2).WithArguments("DBOS.SetEvent", "'Main', the program's entry point, never runs inside a workflow")).RunAsync();

    [Test]
    public Task Top_level_statements_are_the_entry_point() => new CSharpAnalyzerTestWithOutput(
        Usings + """
        var message = await {|#0:DBOS.RecvAsync<string>()|};
        Console.WriteLine(message);
        """,
        new DiagnosticResult(Rules.WorkflowOnlyApi).WithLocation(0).WithArguments("DBOS.RecvAsync", "the top-level statements of the program never runs inside a workflow")).RunAsync();

    [Test]
    public Task Workflow_only_APIs_in_helpers_called_only_outside_workflows_are_reported() => new CSharpAnalyzerTestWithOutput(
        Usings + """
        public static class Program
        {
            public static async Task Main()
            {
                Console.WriteLine(await WaitForReply());
                await Poll();
                await Shared();
                Func<Task> later = Delegated;
                await later();
                await new Chat().Listen();
            }

            private static async Task<string?> WaitForReply() => await {|#0:DBOS.RecvAsync<string>("reply")|};

            private static Task Poll() => Nap();

            private static Task Nap() => {|#1:DBOS.SleepAsync(TimeSpan.FromSeconds(1))|};

            // Also called from a workflow: it may run inside one.
            internal static Task<string?> Shared() => DBOS.RecvAsync<string>("shared");

            // Used as a delegate: who calls it is not known.
            private static Task Delegated() => DBOS.SleepAsync(TimeSpan.Zero);

            // Called by nobody here (a framework, reflection): not known either.
            internal static Task Unused() => DBOS.SleepAsync(TimeSpan.Zero);

            // Only calls each other: not known.
            private static Task Ping() => Pong();

            private static Task Pong() => DBOS.SleepAsync(TimeSpan.Zero).ContinueWith(_ => Ping());
        }

        public partial class Chat
        {
            [Workflow]
            public async Task<string?> Talk() => await Program.Shared();

            [Step]
            public async Task Listen()
            {
                Console.WriteLine(await Receive());
                await Publish();
            }

            private static async Task<string?> Receive() => await {|#2:DBOS.RecvAsync<string>()|};

            // A step may set its workflow's events.
            private static Task Publish() => DBOS.SetEventAsync("state", "listening");

            // Overridable: a subclass's caller is not known.
            protected virtual Task Wait() => DBOS.SleepAsync(TimeSpan.Zero);

            private Task WaitFromMain() => Wait();
        }
        """,
        new DiagnosticResult(Rules.WorkflowOnlyApi).WithLocation(0).WithArguments("DBOS.RecvAsync", "'WaitForReply' is only called from 'Main', the program's entry point, which never runs inside a workflow"),
        new DiagnosticResult(Rules.WorkflowOnlyApi).WithLocation(1).WithArguments("DBOS.SleepAsync", "'Nap' is only called from 'Poll', which is only called from 'Main', the program's entry point, which never runs inside a workflow"),
        new DiagnosticResult(Rules.WorkflowOnlyApi).WithLocation(2).WithArguments("DBOS.RecvAsync", "'Receive' is only called from [Step] 'Listen'")).RunAsync();

    [Test]
    public Task In_a_library_helpers_other_assemblies_can_call_are_not_judged() => Verify.VerifyAsync(
        Usings + """
        public partial class Jobs
        {
            [Step]
            public async Task Run()
            {
                Console.WriteLine(await Helper());
                Console.WriteLine(await Inner());
            }

            public static async Task<string?> Helper() => await DBOS.RecvAsync<string>();

            internal static async Task<string?> Inner() => await {|#0:DBOS.RecvAsync<string>()|};
        }
        """,
        new[] { new DiagnosticResult(Rules.WorkflowOnlyApi).WithLocation(0).WithArguments("DBOS.RecvAsync", "'Inner' is only called from [Step] 'Run'") });

    private static DiagnosticResult Control(int location, string api, string transaction)
        => new DiagnosticResult(Rules.TransactionControlInTransaction).WithLocation(location).WithArguments(api, transaction);

    /// <summary>An analyzer test whose project is a console application (it has an entry point).</summary>
    private sealed class CSharpAnalyzerTestWithOutput : Microsoft.CodeAnalysis.CSharp.Testing.CSharpAnalyzerTest<DurableContextAnalyzer, DefaultVerifier>
    {
        public CSharpAnalyzerTestWithOutput(string source, params DiagnosticResult[] expected)
        {
            TestCode = source;
            ReferenceAssemblies = TestSetup.Net100;
            TestState.OutputKind = Microsoft.CodeAnalysis.OutputKind.ConsoleApplication;
            ExpectedDiagnostics.AddRange(expected);
            TestSetup.Configure(TestState, withRuntime: true);
            SolutionTransforms.Add(TestSetup.Latest);
        }

        public Task RunAsync() => RunAsync(System.Threading.CancellationToken.None);
    }
}
