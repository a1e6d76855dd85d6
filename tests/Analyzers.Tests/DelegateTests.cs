using System.Threading.Tasks;
using Microsoft.CodeAnalysis.Testing;
using NUnit.Framework;
using Verify = Dbos.Analyzers.Tests.CodeFixVerifier<Dbos.Analyzers.DelegateAnalyzer, Dbos.Analyzers.CodeFixes.DelegateCodeFix>;

namespace Dbos.Analyzers.Tests;

public class DelegateTests
{
    private const string Usings = """
        using System;
        using System.Collections.Generic;
        using System.Linq;
        using System.Threading.Tasks;
        using Dbos;

        """;

    [Test]
    public Task Method_groups_become_lambdas() => Verify.VerifyAsync(
        Usings + """
        public partial class Orders
        {
            [Workflow]
            public async Task<int> Place(int[] ids)
            {
                var prices = await Task.WhenAll(ids.Select({|#0:Price|}));
                Func<Task> ship = {|#1:Ship|};
                await ship();
                await Task.Run({|#2:this.Ship|});
                return prices.Sum();
            }

            [Step]
            public Task<int> Price(int id) => Task.FromResult(id * 10);

            [Step]
            public Task Ship() => Task.CompletedTask;
        }
        """,
        Usings + """
        public partial class Orders
        {
            [Workflow]
            public async Task<int> Place(int[] ids)
            {
                var prices = await Task.WhenAll(ids.Select(id => Price(id)));
                Func<Task> ship = () => Ship();
                await ship();
                await Task.Run(() => this.Ship());
                return prices.Sum();
            }

            [Step]
            public Task<int> Price(int id) => Task.FromResult(id * 10);

            [Step]
            public Task Ship() => Task.CompletedTask;
        }
        """,
        expected: new[]
        {
            Delegate(0, "Step", "Price", "id => Price(id)"),
            Delegate(1, "Step", "Ship", "() => Ship()"),
            Delegate(2, "Step", "Ship", "() => this.Ship()"),
        });

    [Test]
    public Task A_workflow_passed_to_StartWorkflow_as_a_method_group_is_reported() => Verify.VerifyAsync(
        Usings + """
        public partial class Reports
        {
            public static Task<WorkflowHandle<string>> Start() => DBOS.StartWorkflowAsync({|#0:Build|});

            [Workflow]
            public static Task<string> Build() => Task.FromResult("report");
        }
        """,
        Usings + """
        public partial class Reports
        {
            public static Task<WorkflowHandle<string>> Start() => DBOS.StartWorkflowAsync(() => Build());

            [Workflow]
            public static Task<string> Build() => Task.FromResult("report");
        }
        """,
        expected: new[] { new DiagnosticResult("DBOS010", Microsoft.CodeAnalysis.DiagnosticSeverity.Error).WithLocation(0).WithArguments("Workflow", "Build", "() => Build()") });

    [Test]
    public Task Lambda_parameters_do_not_clash_with_locals() => Verify.VerifyAsync(
        Usings + """
        public partial class Orders
        {
            [Workflow]
            public async Task<int> Place(int id)
            {
                var list = new List<int> { id };
                var prices = await Task.WhenAll(list.Select({|#0:Price|}));
                return prices.Sum();
            }

            [Step]
            public Task<int> Price(int id) => Task.FromResult(id * 10);
        }
        """,
        Usings + """
        public partial class Orders
        {
            [Workflow]
            public async Task<int> Place(int id)
            {
                var list = new List<int> { id };
                var prices = await Task.WhenAll(list.Select(id2 => Price(id2)));
                return prices.Sum();
            }

            [Step]
            public Task<int> Price(int id) => Task.FromResult(id * 10);
        }
        """,
        expected: new[] { Delegate(0, "Step", "Price", "id => Price(id)") });

    [Test]
    public Task Direct_calls_lambdas_and_nameof_are_fine() => AnalyzerVerifier<DelegateAnalyzer>.VerifyAsync(
        Usings + """
        public partial class Orders
        {
            [Workflow]
            public async Task<int> Place(int[] ids)
            {
                var prices = await Task.WhenAll(ids.Select(id => Price(id)));
                var handle = await DBOS.StartWorkflowAsync(() => Child(1));
                Func<int, int> plain = Helper;
                return prices.Sum() + plain(1) + nameof(Price).Length + await handle.GetResultAsync();
            }

            [Step]
            public Task<int> Price(int id) => Task.FromResult(id * 10);

            [Workflow]
            public Task<int> Child(int id) => Task.FromResult(id);

            private static int Helper(int x) => x;
        }
        """);

    private static DiagnosticResult Delegate(int location, string kind, string method, string example)
        => new DiagnosticResult(Rules.DurableMethodAsDelegate).WithLocation(location).WithArguments(kind, method, example);
}
