using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Diagnostics.Telemetry;
using NUnit.Framework;

namespace Dbos.Analyzers.Tests;

/// <summary>What the analyzers cost on a large project: printed, not asserted (machines differ; BenchmarkDotNet is for benchmarks).</summary>
public class AnalyzerCostTests
{
    private const int Files = 100;
    private const int WorkflowsPerFile = 10;

    [Test]
    public async Task Prints_the_time_to_analyze_1000_workflows()
    {
        var compilation = AllAnalyzers.Compile(Enumerable.Range(0, Files).Select(i => ("Workflows" + i + ".cs", Source(i))));
        var stopwatch = Stopwatch.StartNew();
        var compilerDiagnostics = compilation.GetDiagnostics();
        var compileTime = stopwatch.Elapsed;
        Assert.That(compilerDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error), Is.Empty);

        // What the analyzer driver costs by itself (binding, operation trees), with an analyzer that does nothing.
        var baseline = await BestOfThreeAsync(compilation, ImmutableArray.Create<DiagnosticAnalyzer>(new IdleAnalyzer()));

        var analyzers = AllAnalyzers.Create();
        TimeSpan best = TimeSpan.MaxValue;
        ImmutableArray<Diagnostic> diagnostics = default;
        AnalyzerTelemetryInfo[] telemetry = Array.Empty<AnalyzerTelemetryInfo>();
        for (var run = 0; run < 3; run++)
        {
            // A new compilation each run, so no semantic model or analyzer state is reused.
            var fresh = compilation.RemoveAllSyntaxTrees().AddSyntaxTrees(compilation.SyntaxTrees);
            var withAnalyzers = fresh.WithAnalyzers(analyzers, new CompilationWithAnalyzersOptions(
                new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty), onAnalyzerException: null, concurrentAnalysis: true, logAnalyzerExecutionTime: true));
            fresh.GetDiagnostics();
            stopwatch.Restart();
            diagnostics = await withAnalyzers.GetAnalyzerDiagnosticsAsync(CancellationToken.None);
            var elapsed = stopwatch.Elapsed;
            if (elapsed < best)
            {
                best = elapsed;
                telemetry = await Task.WhenAll(analyzers.Select(a => withAnalyzers.GetAnalyzerTelemetryInfoAsync(a, CancellationToken.None)));
            }
        }

        var report = new StringBuilder();
        report.AppendLine(CultureInfo.InvariantCulture, $"{Files * WorkflowsPerFile} workflows in {Files} files ({compilation.SyntaxTrees.Sum(t => t.GetText().Lines.Count)} lines):");
        report.AppendLine(CultureInfo.InvariantCulture, $"  compiler diagnostics (binding everything): {compileTime.TotalMilliseconds:0} ms");
        report.AppendLine(CultureInfo.InvariantCulture, $"  analyzer driver with an idle analyzer (binding, operation trees), best of 3: {baseline.TotalMilliseconds:0} ms");
        report.AppendLine(CultureInfo.InvariantCulture, $"  all Dbos analyzers, best of 3, {Environment.ProcessorCount} cores: {best.TotalMilliseconds:0} ms wall clock, {(best - baseline).TotalMilliseconds:0} ms over the idle analyzer");
        report.AppendLine("  time inside each analyzer's callbacks (summed over threads):");
        for (var i = 0; i < analyzers.Length; i++)
        {
            report.AppendLine(CultureInfo.InvariantCulture, $"    {analyzers[i].GetType().Name}: {telemetry[i].ExecutionTime.TotalMilliseconds:0} ms");
        }

        report.AppendLine(CultureInfo.InvariantCulture, $"  diagnostics: {diagnostics.Length} ({string.Join(", ", diagnostics.GroupBy(d => d.Id).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => g.Key + " x" + g.Count()))})");
        TestContext.Out.WriteLine(report.ToString());
        Console.WriteLine(report.ToString());
    }

    private static async Task<TimeSpan> BestOfThreeAsync(Compilation compilation, ImmutableArray<DiagnosticAnalyzer> analyzers)
    {
        var best = TimeSpan.MaxValue;
        for (var run = 0; run < 3; run++)
        {
            var fresh = compilation.RemoveAllSyntaxTrees().AddSyntaxTrees(compilation.SyntaxTrees);
            fresh.GetDiagnostics();
            var withAnalyzers = fresh.WithAnalyzers(analyzers);
            var stopwatch = Stopwatch.StartNew();
            await withAnalyzers.GetAnalyzerDiagnosticsAsync(CancellationToken.None);
            best = stopwatch.Elapsed < best ? stopwatch.Elapsed : best;
        }

        return best;
    }

    /// <summary>Registers the same kinds of callbacks as the Dbos analyzers and does nothing in them.</summary>
#pragma warning disable RS1036, RS1038, RS1041, RS2008 // A test helper, never shipped or loaded by a compiler.
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    private sealed class IdleAnalyzer : DiagnosticAnalyzer
    {
        private static readonly DiagnosticDescriptor Never = new("IDLE001", "Idle", "Idle", "Test", DiagnosticSeverity.Hidden, isEnabledByDefault: true);

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Never);

        public override void Initialize(AnalysisContext context)
        {
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.EnableConcurrentExecution();
            context.RegisterOperationBlockAction(_ => { });
            context.RegisterOperationAction(_ => { }, OperationKind.Invocation, OperationKind.PropertyReference, OperationKind.MethodReference);
            context.RegisterSymbolAction(_ => { }, SymbolKind.Method, SymbolKind.NamedType);
        }
    }
#pragma warning restore RS1036, RS1038, RS1041, RS2008

    /// <summary>Ten workflows, each with steps, a helper chain, and one mistake every tenth workflow.</summary>
    private static string Source(int file)
    {
        var text = new StringBuilder();
        text.AppendLine("using System; using System.Linq; using System.Threading.Tasks; using Dbos;");
        text.AppendLine("namespace Generated" + file + ";");
        text.AppendLine("public partial class Workflows" + file + " {");
        for (var w = 0; w < WorkflowsPerFile; w++)
        {
            var mistake = w == 0 ? "var at = Stamp(); " : string.Empty;
            text.AppendLine(CultureInfo.InvariantCulture, $$"""
                [Workflow] public async Task<int> Flow{{w}}(int id) {
                    {{mistake}}var a = await Fetch{{w}}(id);
                    var b = await Task.WhenAll(Enumerable.Range(0, 3).Select(i => Fetch{{w}}(i)));
                    var c = Helper{{w}}(a + b.Sum());
                    if (c > 10) { c = await Fetch{{w}}(c); }
                    return c + global::Generated0.Shared.Compute(id);
                }
                [Step] private static Task<int> Fetch{{w}}(int id) => Task.FromResult(id + DateTime.UtcNow.Millisecond * 0);
                private static int Helper{{w}}(int x) => Deeper{{w}}(x) * 2;
                private static int Deeper{{w}}(int x) => x + {{w}};
                """);
        }

        text.AppendLine("  private static string Stamp() => DateTime.Now.ToString(\"O\");");
        text.AppendLine("}");
        if (file == 0)
        {
            text.AppendLine("public static class Shared { public static int Compute(int id) => Enumerable.Range(0, id % 5).Sum(); }");
        }

        return text.ToString();
    }
}
