using System.Threading.Tasks;
using Microsoft.CodeAnalysis.Testing;
using NUnit.Framework;
using VerifyContext = Dbos.Analyzers.Tests.AnalyzerVerifier<Dbos.Analyzers.DurableContextAnalyzer>;
using VerifyDeterminism = Dbos.Analyzers.Tests.AnalyzerVerifier<Dbos.Analyzers.Determinism.DeterminismAnalyzer>;
using VerifyPatch = Dbos.Analyzers.Tests.AnalyzerVerifier<Dbos.Analyzers.PatchAnalyzer>;

namespace Dbos.Analyzers.Tests;

/// <summary>DBOS.PatchAsync in the analyzers: DBOS019 (a patch checked twice), DBOS020 (a computed name), the unpatched branch
/// left alone by the determinism rules, and DBOS009 for a patch in a step.</summary>
public class PatchTests
{
    private const string Usings = """
        using System;
        using System.IO;
        using System.Threading.Tasks;
        using Dbos;

        """;

    [Test]
    public Task A_patch_checked_twice_in_one_workflow_is_reported_at_the_second_check() => VerifyPatch.VerifyAsync(
        Usings + """
        public partial class Orders
        {
            [Workflow]
            public async Task<int> Place(int id)
            {
                var price = await DBOS.PatchAsync("tax-v2") ? await Price(id * 2) : await Price(id);
                if (await {|#0:DBOS.PatchAsync("tax-v2")|})
                {
                    price++;
                }

                if (await DBOS.PatchAsync("shipping-v2"))
                {
                    price--;
                }

                Func<Task<bool>> later = () => {|#1:DBOS.DeprecatePatchAsync("tax-v2")|};
                return price + (await later() ? 1 : 0);
            }

            [Workflow]
            public async Task<int> Other(int id) => await DBOS.PatchAsync("tax-v2") ? await Price(id) : 0;

            [Step]
            public Task<int> Price(int id) => Task.FromResult(id);
        }
        """,
        new[]
        {
            Twice(0, "tax-v2", 10, "Place"),
            Twice(1, "tax-v2", 10, "Place"),
        });

    [Test]
    public Task A_patch_name_that_is_not_a_constant_is_reported() => VerifyPatch.VerifyAsync(
        Usings + """
        public partial class Orders
        {
            private const string Prefix = "pricing-";
            private const string Pricing = Prefix + "v2";

            [Workflow]
            public async Task<bool> Place(string version)
            {
                var a = await DBOS.PatchAsync(Pricing);
                var b = await DBOS.PatchAsync(Prefix + "v3");
                var c = await DBOS.PatchAsync({|#0:"pricing-" + version|});
                var d = await DBOS.DeprecatePatchAsync({|#1:version|});
                return a && b && c && d;
            }
        }
        """,
        new[]
        {
            new DiagnosticResult(Rules.PatchNameNotConstant).WithLocation(0).WithArguments("DBOS.PatchAsync"),
            new DiagnosticResult(Rules.PatchNameNotConstant).WithLocation(1).WithArguments("DBOS.DeprecatePatchAsync"),
        });

    [Test]
    public Task The_determinism_rules_leave_the_unpatched_branch_alone_and_check_the_patched_one() => VerifyDeterminism.VerifyAsync(
        Usings + """
        public partial class Orders
        {
            [Workflow]
            public async Task<string> Place(int id)
            {
                string stamp;
                if (await DBOS.PatchAsync("stamp-in-step"))
                {
                    stamp = await Stamp();
                    var late = {|#0:DateTime.UtcNow|};
                }
                else
                {
                    stamp = DateTime.Now.ToString("O");   // the old code, frozen for older workflows
                    File.AppendAllText("audit.log", stamp);
                    Legacy();
                }

                if (!await DBOS.PatchAsync("no-delay"))
                {
                    await Task.Delay(100);
                }
                else
                {
                    await {|#1:Task.Delay(200)|};
                }

                var id2 = await DBOS.PatchAsync("guid") ? await NewId() : Guid.NewGuid().ToString();
                return stamp + id2;
            }

            private static void Legacy() => Console.WriteLine(Environment.TickCount);

            [Step]
            public Task<string> Stamp() => Task.FromResult(DateTime.Now.ToString("O"));

            [Step]
            public Task<string> NewId() => Task.FromResult(Guid.NewGuid().ToString());
        }
        """,
        new[]
        {
            new DiagnosticResult(Rules.NonDeterministicValue).WithLocation(0).WithArguments("Workflow 'Place' uses 'DateTime.UtcNow'"),
            new DiagnosticResult(Rules.NonDurableDelay).WithLocation(1).WithArguments("Workflow 'Place' uses 'Task.Delay'", "await DBOS.SleepAsync(...)"),
        });

    [Test]
    public Task A_patch_in_a_step_is_reported() => VerifyContext.VerifyAsync(
        Usings + """
        public partial class Orders
        {
            [Workflow]
            public async Task<bool> Place() => await DBOS.PatchAsync("v2") && await Check();

            [Step]
            public Task<bool> Check() => {|#0:DBOS.PatchAsync("v2")|};
        }
        """,
        new[] { new DiagnosticResult(Rules.WorkflowOnlyApi).WithLocation(0).WithArguments("DBOS.PatchAsync", "'Check' is a [Step]") });

    private static DiagnosticResult Twice(int location, string name, int line, string workflow)
        => new DiagnosticResult(Rules.PatchCheckedTwice).WithLocation(location).WithArguments(name, line.ToString(System.Globalization.CultureInfo.InvariantCulture), workflow);
}
