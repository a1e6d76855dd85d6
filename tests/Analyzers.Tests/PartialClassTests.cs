using System.Threading.Tasks;
using Dbos.Analyzers.CodeFixes;
using NUnit.Framework;
using Verify = Dbos.Analyzers.Tests.CodeFixVerifier<Dbos.Analyzers.PartialClassAnalyzer, Dbos.Analyzers.CodeFixes.PartialClassCodeFix>;

namespace Dbos.Analyzers.Tests;

public class PartialClassTests
{
    [Test]
    public Task A_class_with_a_workflow_must_be_partial() => Verify.VerifyAsync(
        """
        using System.Threading.Tasks;
        using Dbos;

        public class {|DBOS001:Orders|}
        {
            [Workflow]
            public Task<int> Place(int id) => Task.FromResult(id);
        }
        """,
        """
        using System.Threading.Tasks;
        using Dbos;

        public partial class Orders
        {
            [Workflow]
            public Task<int> Place(int id) => Task.FromResult(id);
        }
        """);

    [Test]
    public Task The_fix_also_makes_containing_types_partial() => Verify.VerifyAsync(
        """
        using Dbos;

        static class Outer
        {
            internal sealed class {|DBOS001:Steps|}
            {
                [Step]
                public static int Double(int x) => x * 2;
            }
        }
        """,
        """
        using Dbos;

        static partial class Outer
        {
            internal sealed partial class Steps
            {
                [Step]
                public static int Double(int x) => x * 2;
            }
        }
        """);

    [Test]
    public Task A_class_without_modifiers_gets_partial_in_front() => Verify.VerifyAsync(
        """
        using Dbos;

        class {|DBOS001:Steps|}
        {
            [Step]
            public static int Double(int x) => x * 2;
        }
        """,
        """
        using Dbos;

        partial class Steps
        {
            [Step]
            public static int Double(int x) => x * 2;
        }
        """);

    [Test]
    public Task Partial_classes_and_classes_without_durable_methods_are_fine() => AnalyzerVerifier<PartialClassAnalyzer>.VerifyAsync(
        """
        using System.Threading.Tasks;
        using Dbos;

        public static partial class Outer
        {
            public partial class Orders
            {
                [Workflow]
                public Task<int> Place(int id) => Task.FromResult(id);
            }
        }

        public class Plain
        {
            public int Double(int x) => x * 2;
        }
        """);

    [Test]
    public Task Nothing_is_reported_without_the_runtime() => AnalyzerVerifier<PartialClassAnalyzer>.VerifyAsync(
        """
        public class Plain
        {
            public int Double(int x) => x * 2;
        }
        """,
        withRuntime: false);
}
