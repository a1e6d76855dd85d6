using System.Threading.Tasks;
using Microsoft.CodeAnalysis.Testing;
using NUnit.Framework;
using Verify = Dbos.Analyzers.Tests.AnalyzerVerifier<Dbos.Analyzers.WorkflowClassNameAnalyzer>;

namespace Dbos.Analyzers.Tests;

public class WorkflowClassNameTests
{
    private const string Usings = """
        using System.Threading.Tasks;
        using Dbos;

        """;

    [Test]
    public Task Workflow_classes_with_one_simple_name_in_two_namespaces_are_errors() => Verify.VerifyAsync(
        Usings + """
        namespace Shop
        {
            public partial class {|#0:Orders|}
            {
                [Workflow]
                public Task<int> Place(int id) => Task.FromResult(id);
            }
        }

        namespace Admin
        {
            public partial class {|#1:Orders|}
            {
                [Workflow]
                public Task<int> Cancel(int id) => Task.FromResult(id);
            }
        }

        namespace Reports
        {
            public static partial class Outer
            {
                // A transaction's temporary workflow stores the class name too.
                public partial class {|#2:Orders|}
                {
                    [Transaction]
                    public static int Count() => 0;
                }
            }
        }
        """,
        new[]
        {
            Duplicate(0, "Shop.Orders", "Admin.Orders", "Orders"),
            Duplicate(1, "Admin.Orders", "Reports.Outer.Orders", "Orders"),
            Duplicate(2, "Reports.Outer.Orders", "Admin.Orders", "Orders"),
        });

    [Test]
    public Task A_stored_name_set_with_WorkflowClass_separates_them_and_can_collide_too() => Verify.VerifyAsync(
        Usings + """
        namespace Shop
        {
            public partial class Orders
            {
                [Workflow]
                public Task<int> Place(int id) => Task.FromResult(id);
            }
        }

        namespace Admin
        {
            [WorkflowClass(Name = "admin.Orders")]
            public partial class Orders
            {
                [Workflow]
                public Task<int> Cancel(int id) => Task.FromResult(id);
            }

            [WorkflowClass(Name = "Ledger")]
            public partial class {|#0:Accounts|}
            {
                [Workflow]
                public Task<int> Close(int id) => Task.FromResult(id);
            }

            public partial class {|#1:Ledger|}
            {
                [Workflow]
                public Task<int> Open(int id) => Task.FromResult(id);
            }

            // Classes with only steps store no class name.
            public partial class Steps { [Step] public static int One() => 1; }
        }

        namespace Billing
        {
            public partial class Steps { [Step] public static int Two() => 2; }
        }
        """,
        new[]
        {
            Duplicate(0, "Admin.Accounts", "Admin.Ledger", "Ledger"),
            Duplicate(1, "Admin.Ledger", "Admin.Accounts", "Ledger"),
        });

    private static DiagnosticResult Duplicate(int location, string type, string other, string name)
        => new DiagnosticResult(Rules.DuplicateWorkflowClassName).WithLocation(location).WithArguments(type, other, name);
}
