using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NUnit.Framework;

namespace Dbos.Generators.Tests;

/// <summary>
/// The samples plus the generated code compile and emit with no warnings against the real runtime. Emitting matters:
/// interceptor signature and accessibility errors (CS9144, CS9155) appear only then.
/// </summary>
public partial class CompileTests
{
    private const string Marker = "/*I*/";

    [Test]
    public void Samples_with_generated_code_emit_without_errors_or_warnings()
    {
        var (output, _) = GeneratorTestHelper.Run(GeneratorTestHelper.CreateCompilation(GeneratorTestHelper.SampleSources()));
        AssertEmits(output);
    }

    [Test]
    public void Every_marked_call_site_is_intercepted_and_no_other()
    {
        var sources = GeneratorTestHelper.SampleSources();
        var (output, result) = GeneratorTestHelper.Run(GeneratorTestHelper.CreateCompilation(sources));

        var expected = sources.SelectMany(s => MarkedCallSites(s.Name, s.Text)).OrderBy(x => x, StringComparer.Ordinal).ToList();
        var interceptors = result.Results.Single().GeneratedSources.Single(s => s.HintName == "Dbos.Interceptors.g.cs").SourceText.ToString();
        var intercepted = InterceptsLocationComment().Matches(interceptors).Select(m => m.Groups[1].Value).OrderBy(x => x, StringComparer.Ordinal).ToList();

        Assert.That(expected, Has.Count.GreaterThan(20), "the samples mark their call sites");
        Assert.That(intercepted, Is.EqualTo(expected));
        Assert.That(CountAttributes(output), Is.EqualTo(expected.Count));
    }

    [Test]
    public void Base_calls_are_not_intercepted()
    {
        var sources = GeneratorTestHelper.SampleSources();
        var (_, result) = GeneratorTestHelper.Run(GeneratorTestHelper.CreateCompilation(sources));
        var interceptors = result.Results.Single().GeneratedSources.Single(s => s.HintName == "Dbos.Interceptors.g.cs").SourceText.ToString();

        var baseCalls = sources
            .SelectMany(s => CSharpSyntaxTree.ParseText(s.Text).GetRoot().DescendantNodes().OfType<InvocationExpressionSyntax>()
                .Where(i => i.Expression is MemberAccessExpressionSyntax { Expression: BaseExpressionSyntax })
                .Select(i => Display(s.Name, ((MemberAccessExpressionSyntax)i.Expression).Name.GetLocation())))
            .ToList();

        Assert.That(baseCalls, Is.Not.Empty);
        foreach (var call in baseCalls)
        {
            Assert.That(interceptors, Does.Not.Contain("// " + call), call);
        }
    }

    [Test]
    public void A_compilation_without_durable_methods_gets_no_generated_code()
    {
        var sources = GeneratorTestHelper.SampleSources().Where(s => s.Name == "Unrelated.cs");
        var (_, result) = GeneratorTestHelper.Run(GeneratorTestHelper.CreateCompilation(sources));
        Assert.That(result.GeneratedTrees, Is.Empty);
    }

    [Test]
    public void Unsupported_shapes_are_skipped_and_the_rest_still_emits()
    {
        const string source = """
            using System.Threading.Tasks;
            using Dbos;

            namespace Edge;

            // Not partial: the generator cannot add to it (an analyzer reports it).
            public class NotPartial
            {
                [Workflow] public Task<int> Run() => Task.FromResult(1);
                public Task<int> Call() => Run();
            }

            public partial class Generic<T>
            {
                [Step] public T Echo(T value) => value;
                public T Call(T value) => Echo(value);
            }

            public partial class Shapes
            {
                [Step] public void ByRef(ref int value) => value++;
                [Step] public TValue Generic<TValue>(TValue value) => value;
                [Workflow, Step] public Task<int> Both() => Task.FromResult(2);
                [Step] public string @event(string @class, int @this) => @class + @this;
                [Workflow] public int Defaults(int count = 3, string? name = "x", double ratio = 0.5, Kind kind = Kind.B, decimal money = 1.5m) => count;

                public int Calls()
                {
                    var value = 1;
                    ByRef(ref value);
                    return Generic(value) + Both().Result + @event("a", 1).Length + Defaults() + Defaults(name: null);
                }

                private partial class Hidden
                {
                    [Step] public static int Secret() => 1;
                    public static int Call() => Secret();
                }
            }

            public enum Kind { A, B }

            // Bases whose __Dbos the derived class must hide (new) or must not (no base __Dbos is generated).
            public partial class GeneratedBase { [Step] public virtual int Step() => 1; }
            public partial class FromGeneratedBase : GeneratedBase { [Step] public int Other() => Step() + 1; }
            public partial class GenericBase<T> { [Step] public int Step() => 1; }
            public partial class FromGenericBase : GenericBase<int> { [Step] public int Other() => Step() + 1; }
            public class PlainBase { [Step] public int Step() => 1; }
            public partial class FromPlainBase : PlainBase { [Step] public int Other() => Step() + 1; }

            public partial record Ledger(int Id)
            {
                [Workflow] public Task<int> Close() => Task.FromResult(Id);
                public Task<int> Call() => Close();
            }

            public static partial class Extensions
            {
                [Step] public static int Twice(this int value, int times = 2) => value * times;
                public static int Call() => 3.Twice() + Twice(4, 1);
            }

            public partial class Bank
            {
                [Transaction] public int Debit(int amount) => -amount;
                public int Call() => Debit(5);
            }
            """;

        var (output, result) = GeneratorTestHelper.Run(GeneratorTestHelper.CreateCompilation(new[] { ("Edge.cs", source) }));
        foreach (var generated in result.Results.Single().GeneratedSources)
        {
            TestContext.Out.WriteLine("// ---- " + generated.HintName + Environment.NewLine + generated.SourceText);
        }

        AssertEmits(output);

        var hints = result.Results.Single().GeneratedSources.Select(s => s.HintName).ToList();
        Assert.That(hints, Does.Contain("Edge.Shapes.Dbos.g.cs"));
        Assert.That(hints, Does.Contain("Edge.Shapes.Hidden.Dbos.g.cs"));
        Assert.That(hints, Has.None.StartsWith("Edge.NotPartial.").And.None.StartsWith("Edge.Generic.").And.None.StartsWith("Edge.GenericBase.").And.None.StartsWith("Edge.PlainBase."));

        var interceptors = result.Results.Single().GeneratedSources.Single(s => s.HintName == "Dbos.Interceptors.g.cs").SourceText.ToString();
        Assert.That(interceptors, Does.Contain("Shapes_Both("));
        Assert.That(interceptors, Does.Contain("Shapes_event("));
        Assert.That(interceptors, Does.Contain("Shapes_Defaults("));
        Assert.That(interceptors, Does.Not.Contain("ByRef"));
        Assert.That(interceptors, Does.Not.Contain("Secret"), "a private nested class cannot be named from the interceptors");

        Assert.That(interceptors, Does.Contain("Ledger_Close("));
        Assert.That(Regex.Matches(interceptors, @"\] // Edge\.cs\(\d+,\d+\)\s+public static int Extensions_Twice\(this int value, int times\)").Count, Is.EqualTo(1));
        Assert.That(interceptors, Does.Contain("global::Dbos.Internal.DbosGenerated.RunTransaction<int>(global::Edge.Bank.__Dbos.Debit_Transaction, new object?[] { amount }"),
            "[Transaction] is routed to the transaction executor with its arguments (for its temporary workflow)");
        Assert.That(interceptors, Does.Contain("GeneratedBase_Step("));
        Assert.That(interceptors, Does.Not.Contain("PlainBase"));

        var sources = result.Results.Single().GeneratedSources.ToDictionary(s => s.HintName, s => s.SourceText.ToString());
        Assert.That(sources["Edge.FromGeneratedBase.Dbos.g.cs"], Does.Contain("internal static new class __Dbos"));
        Assert.That(sources["Edge.FromGenericBase.Dbos.g.cs"], Does.Contain("internal static class __Dbos"));
        Assert.That(sources["Edge.FromPlainBase.Dbos.g.cs"], Does.Contain("internal static class __Dbos"));
        Assert.That(sources["Edge.Ledger.Dbos.g.cs"], Does.Contain("partial record Ledger"));

        var shapes = result.Results.Single().GeneratedSources.Single(s => s.HintName == "Edge.Shapes.Dbos.g.cs").SourceText.ToString();
        Assert.That(shapes, Does.Contain("Both_Workflow"));
        Assert.That(shapes, Does.Not.Contain("Both_Step"));
    }

    [Test]
    public void Derived_classes_with_durable_methods_hide_the_base_class_nested_type_without_warnings()
    {
        // The samples have one (PriorityOrderWorkflows : OrderWorkflows); this checks the keyword is there.
        var (_, result) = GeneratorTestHelper.Run(GeneratorTestHelper.CreateCompilation(GeneratorTestHelper.SampleSources()));
        var derived = result.Results.Single().GeneratedSources.Single(s => s.HintName == "Shop.PriorityOrderWorkflows.Dbos.g.cs").SourceText.ToString();
        Assert.That(derived, Does.Contain("internal static new class __Dbos"));
    }

    internal static void AssertEmits(Compilation compilation)
    {
        using var stream = new MemoryStream();
        var emitted = compilation.Emit(stream);
        var problems = emitted.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).Select(d => d.ToString()).ToList();
        Assert.That(problems, Is.Empty);
        Assert.That(emitted.Success, Is.True);
    }

    private static IEnumerable<string> MarkedCallSites(string name, string text)
    {
        var tree = CSharpSyntaxTree.ParseText(text, path: name);
        for (var index = text.IndexOf(Marker, StringComparison.Ordinal); index >= 0; index = text.IndexOf(Marker, index + 1, StringComparison.Ordinal))
        {
            yield return Display(name, tree.GetLocation(new Microsoft.CodeAnalysis.Text.TextSpan(index + Marker.Length, 0)));
        }
    }

    private static string Display(string name, Location location)
    {
        var position = location.GetLineSpan().StartLinePosition;
        return $"{name}({position.Line + 1},{position.Character + 1})";
    }

    private static int CountAttributes(Compilation compilation)
        => compilation.SyntaxTrees
            .SelectMany(t => t.GetRoot().DescendantNodes().OfType<AttributeSyntax>())
            .Count(a => a.Name.ToString().EndsWith("InterceptsLocation", StringComparison.Ordinal));

    [GeneratedRegex(@"\[global::System\.Runtime\.CompilerServices\.InterceptsLocation\(1, ""[^""]+""\)\] // (\S+)")]
    private static partial Regex InterceptsLocationComment();
}
