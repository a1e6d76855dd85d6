using System;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Dbos.Benchmarks;

/// <summary>
/// The Dbos analyzers (DBOS001–DBOS013) over the same 1,000-workflow compilation as <see cref="GeneratorBenchmarks"/>,
/// with the generated code in it, as a build sees it. <see cref="CompilerOnly"/> is the compiler's own binding of the
/// same compilation; the difference is what the analyzers add.
/// </summary>
[MemoryDiagnoser]
public class AnalyzerBenchmarks
{
    private static readonly ImmutableArray<DiagnosticAnalyzer> Analyzers = typeof(Dbos.Analyzers.PartialClassAnalyzer).Assembly.GetTypes()
        .Where(t => typeof(DiagnosticAnalyzer).IsAssignableFrom(t) && !t.IsAbstract)
        .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!)
        .ToImmutableArray();

    private Compilation? _compilation;

    [GlobalSetup]
    public void Setup()
    {
        var trees = Enumerable.Range(0, GeneratorBenchmarks.Classes)
            .Select(c => GeneratorBenchmarks.Parse($"Workflows{c}.cs", GeneratorBenchmarks.ClassSource(c, edit: 0)));
        var input = CSharpCompilation.Create(
            "Dbos.Benchmarks.AnalyzerInput",
            trees,
            GeneratorBenchmarks.References(),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        GeneratorBenchmarks.CreateDriver().RunGeneratorsAndUpdateCompilation(input, out var withGenerated, out _);
        _compilation = withGenerated;
        var found = Run().GetAwaiter().GetResult();
        Console.WriteLine($"// analyzer input: {GeneratorBenchmarks.Classes * 10} workflows in {GeneratorBenchmarks.Classes} files; {Analyzers.Length} analyzers; {found} diagnostics (0 expected: the input is correct)");
    }

    /// <summary>Binding every tree, what the analyzers' operation trees are built from.</summary>
    [Benchmark(Baseline = true)]
    public int CompilerOnly() => _compilation!.Clone().GetDiagnostics().Length;

    /// <summary>Binding plus every Dbos analyzer.</summary>
    [Benchmark]
    public Task<int> WithAnalyzers() => Run();

    private async Task<int> Run()
    {
        var withAnalyzers = _compilation!.Clone().WithAnalyzers(Analyzers, new CompilationWithAnalyzersOptions(
            new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty), onAnalyzerException: null, concurrentAnalysis: true, logAnalyzerExecutionTime: false));
        var diagnostics = await withAnalyzers.GetAllDiagnosticsAsync(CancellationToken.None).ConfigureAwait(false);
        return diagnostics.Count(d => d.Id.StartsWith("DBOS", StringComparison.Ordinal));
    }
}
