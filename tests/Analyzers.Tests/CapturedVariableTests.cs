using System.Threading.Tasks;
using Microsoft.CodeAnalysis.Testing;
using NUnit.Framework;
using Verify = Dbos.Analyzers.Tests.AnalyzerVerifier<Dbos.Analyzers.CapturedVariableAnalyzer>;

namespace Dbos.Analyzers.Tests;

public class CapturedVariableTests
{
    [Test]
    public Task Writes_to_workflow_variables_inside_a_lambda_passed_to_a_step_are_reported() => Verify.VerifyAsync(
        """
        using System;
        using System.Threading.Tasks;
        using Dbos;

        public partial class Orders
        {
            [Workflow]
            public async Task<int> Place(int id)
            {
                var total = 0;
                var count = 0;
                await Charge(id, () =>
                {
                    {|#0:total|} = 5;
                    {|#1:count|}++;
                    {|#2:id|} += 1;
                    int.TryParse("7", out {|#3:total|});
                    var local = 3;
                    local++;
                    return local;
                });
                return total + count;
            }

            [Step]
            public Task<int> Charge(int id, Func<int> compute) => Task.FromResult(id + compute());
        }
        """,
        new[]
        {
            Written(0, "total", "Charge"),
            Written(1, "count", "Charge"),
            Written(2, "id", "Charge"),
            Written(3, "total", "Charge"),
        });

    [Test]
    public Task Reads_returns_and_calls_outside_workflows_are_fine() => Verify.VerifyAsync(
        """
        using System;
        using System.Threading.Tasks;
        using Dbos;

        public partial class Orders
        {
            [Workflow]
            public async Task<int> Place(int id)
            {
                var factor = 3;
                var total = await Charge(id, () => factor * 2);
                Func<int> plain = () => total = 1;
                return total + plain();
            }

            public async Task<int> Outside(int id)
            {
                var total = 0;
                await Charge(id, () => total = 4);
                return total;
            }

            [Step]
            public Task<int> Charge(int id, Func<int> compute) => Task.FromResult(id + compute());
        }
        """);

    private static DiagnosticResult Written(int location, string variable, string step)
        => new DiagnosticResult(Rules.CapturedVariableWrittenInStep).WithLocation(location).WithArguments(variable, "Step", step);
}
