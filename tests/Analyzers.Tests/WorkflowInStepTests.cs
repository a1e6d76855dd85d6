using System.Threading.Tasks;
using Microsoft.CodeAnalysis.Testing;
using NUnit.Framework;
using Verify = Dbos.Analyzers.Tests.AnalyzerVerifier<Dbos.Analyzers.WorkflowInStepAnalyzer>;

namespace Dbos.Analyzers.Tests;

public class WorkflowInStepTests
{
    private const string Usings = """
        using System;
        using System.Threading.Tasks;
        using Dbos;

        """;

    [Test]
    public Task A_workflow_started_in_a_step_or_a_transaction_is_reported() => Verify.VerifyAsync(
        Usings + """
        public partial class Orders
        {
            [Workflow]
            public async Task<string> Place(int id) => await Charge(id);

            [Step]
            public async Task<string> Charge(int id)
            {
                var receipt = await {|#0:Notify(id)|};
                var handle = await DBOS.StartWorkflowAsync(() => {|#1:Notify(id + 1)|});
                return receipt + await handle.GetResultAsync();
            }

            [Transaction]
            public static void Save(int id) => {|#2:Audit(id)|};

            [Workflow]
            public Task<string> Notify(int id) => Task.FromResult("sent " + id);

            [Workflow]
            public static void Audit(int id) { }
        }
        """,
        new[]
        {
            InStep(0, "[Step] 'Charge' starts workflow 'Notify'"),
            InStep(1, "[Step] 'Charge' starts workflow 'Notify'"),
            InStep(2, "[Transaction] 'Save' starts workflow 'Audit'"),
        });

    [Test]
    public Task A_workflow_started_through_helpers_names_the_chain() => Verify.VerifyAsync(
        Usings + """
        public partial class Orders
        {
            [Step]
            public async Task<int> Ship(int id)
            {
                await {|#0:Tracking.Register(id)|};
                return id;
            }

            [Workflow]
            public static Task<int> Track(int id) => Task.FromResult(id);
        }

        public static class Tracking
        {
            public static Task<int> Register(int id) => Forward(id);

            private static Task<int> Forward(int id) => Orders.Track(id);
        }
        """,
        new[] { InStep(0, "[Step] 'Ship' calls 'Tracking.Register', which calls 'Tracking.Forward', which starts workflow 'Track'") });

    [Test]
    public Task Workflows_starting_workflows_and_steps_calling_steps_are_fine() => Verify.VerifyAsync(
        Usings + """
        public partial class Orders
        {
            [Workflow]
            public async Task<int> Place(int id) => await Child(id) + await Helper(id) + await Price(id);

            [Workflow]
            public Task<int> Child(int id) => Task.FromResult(id);

            private Task<int> Helper(int id) => Child(id + 1);

            // A step calling a step makes a plain call; a step used as a delegate is DBOS010's.
            [Step]
            public async Task<int> Price(int id) => await Tax(id) + Compute(id);

            [Step]
            public Task<int> Tax(int id) => Task.FromResult(id / 10);

            private static int Compute(int id) => id * 2;
        }
        """);

    private static DiagnosticResult InStep(int location, string what)
        => new DiagnosticResult(Rules.WorkflowStartedInStep).WithLocation(location).WithArguments(what);
}
