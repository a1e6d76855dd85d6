using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Text;
using BenchmarkDotNet.Attributes;
using Dbos.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Dbos.Benchmarks;

/// <summary>
/// The Dbos source generator over a generated compilation of 1,000 workflows (100 partial classes of 10 workflows,
/// each calling two steps, and one caller per class that calls every workflow): a cold run, as a build does, and an
/// edit of one file's method body with the driver kept, as the IDE does on each keystroke.
/// </summary>
[MemoryDiagnoser]
public class GeneratorBenchmarks
{
    internal const int Classes = 100;
    private const int WorkflowsPerClass = 10;

    private static readonly CSharpParseOptions ParseOptions = CSharpParseOptions.Default
        .WithLanguageVersion(LanguageVersion.Latest)
        .WithFeatures([new KeyValuePair<string, string>("InterceptorsNamespaces", "Dbos.Generated")]);

    private CSharpCompilation? _compilation;
    private GeneratorDriver? _warmDriver;
    private SyntaxTree? _editedTreeA;
    private SyntaxTree? _editedTreeB;
    private Compilation? _compilationA;
    private Compilation? _compilationB;
    private bool _flip;

    public int Workflows => Classes * WorkflowsPerClass;

    [GlobalSetup]
    public void Setup()
    {
        var trees = Enumerable.Range(0, Classes).Select(c => Parse($"Workflows{c}.cs", ClassSource(c, edit: 0))).ToList();
        _compilation = CSharpCompilation.Create(
            "Dbos.Benchmarks.GeneratorInput",
            trees,
            References(),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

        // Sanity: the input compiles and the generator intercepts every call.
        var errors = _compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        if (errors.Count > 0)
        {
            throw new InvalidOperationException("The generated input does not compile: " + string.Join("\n", errors.Take(5)));
        }

        var driver = CreateDriver().RunGeneratorsAndUpdateCompilation(_compilation, out var output, out var generatorDiagnostics);
        var outputErrors = output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        if (!generatorDiagnostics.IsEmpty || outputErrors.Count > 0)
        {
            throw new InvalidOperationException("The generator failed on the input: " + string.Join("\n", generatorDiagnostics.Concat(outputErrors).Take(5)));
        }

        var interceptors = driver.GetRunResult().GeneratedTrees.Sum(t => CountOccurrences(t.ToString(), "InterceptsLocation("));
        Console.WriteLine($"// generator input: {Workflows} workflows, {Classes * WorkflowsPerClass * 2} steps, {trees.Count} files; {interceptors} interceptor attributes emitted");

        _warmDriver = CreateDriver().RunGenerators(_compilation);
        var original = trees[Classes / 2];
        _editedTreeA = Parse(original.FilePath, ClassSource(Classes / 2, edit: 1));
        _editedTreeB = Parse(original.FilePath, ClassSource(Classes / 2, edit: 2));
        _compilationA = _compilation.ReplaceSyntaxTree(original, _editedTreeA);
        _compilationB = _compilationA.ReplaceSyntaxTree(_editedTreeA, _editedTreeB);
        _warmDriver = _warmDriver.RunGenerators(_compilationA).RunGenerators(_compilationB);
    }

    /// <summary>A build: a new driver over the whole compilation.</summary>
    [Benchmark]
    public GeneratorDriver ColdRun() => CreateDriver().RunGenerators(_compilation!);

    /// <summary>An IDE edit: one method body changes in one of the 100 files; the driver keeps its cached state.</summary>
    [Benchmark]
    public GeneratorDriver EditOneFile()
    {
        _flip = !_flip;
        _warmDriver = _warmDriver!.RunGenerators(_flip ? _compilationA! : _compilationB!);
        return _warmDriver;
    }

    internal static GeneratorDriver CreateDriver()
        => CSharpGeneratorDriver.Create([new DbosGenerator().AsSourceGenerator()], parseOptions: ParseOptions);

    internal static SyntaxTree Parse(string path, string text) => CSharpSyntaxTree.ParseText(text, ParseOptions, path: path);

    internal static string ClassSource(int c, int edit)
    {
        var text = new StringBuilder();
        text.AppendLine("using System.Threading.Tasks;");
        text.AppendLine("using Dbos;");
        text.AppendLine($"namespace Bench.N{c % 10};");
        text.AppendLine($"public partial class Workflows{c}");
        text.AppendLine("{");
        for (var w = 0; w < WorkflowsPerClass; w++)
        {
            text.AppendLine("    [Workflow]");
            text.AppendLine($"    public async Task<string> Run{w}(int x)");
            text.AppendLine("    {");
            text.AppendLine($"        var a = await Reserve{w}(x + {edit});");
            text.AppendLine($"        var b = Charge{w}(a);");
            text.AppendLine("        return b;");
            text.AppendLine("    }");
            text.AppendLine("    [Step]");
            text.AppendLine($"    private Task<int> Reserve{w}(int x) => Task.FromResult(x + {w});");
            text.AppendLine("    [Step(RetriesAllowed = true, MaxAttempts = 3)]");
            text.AppendLine($"    private static string Charge{w}(int x) => \"c\" + x;");
        }

        text.AppendLine("}");
        text.AppendLine($"public static class Caller{c}");
        text.AppendLine("{");
        text.AppendLine($"    public static async Task<int> CallAll(Workflows{c} workflows)");
        text.AppendLine("    {");
        text.AppendLine("        var length = 0;");
        for (var w = 0; w < WorkflowsPerClass; w++)
        {
            text.AppendLine($"        length += (await workflows.Run{w}({w})).Length;");
        }

        text.AppendLine("        return length;");
        text.AppendLine("    }");
        text.AppendLine("}");
        return text.ToString();
    }

    internal static ImmutableArray<MetadataReference> References()
        => ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "mscorlib.dll" or "netstandard.dll")
            .Append(typeof(Dbos.Internal.DbosGenerated).Assembly.Location)
            .Append(typeof(Microsoft.Extensions.DependencyInjection.IServiceCollection).Assembly.Location)
            .Distinct(StringComparer.Ordinal)
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToImmutableArray();

    private static int CountOccurrences(string text, string value)
    {
        var count = 0;
        for (var i = text.IndexOf(value, StringComparison.Ordinal); i >= 0; i = text.IndexOf(value, i + value.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
