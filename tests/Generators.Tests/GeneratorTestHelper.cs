using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Dbos.Generators.Tests;

/// <summary>Builds compilations of the sample sources against the real runtime and runs the generator on them.</summary>
internal static class GeneratorTestHelper
{
    public static readonly CSharpParseOptions ParseOptions = CSharpParseOptions.Default
        .WithLanguageVersion(LanguageVersion.Latest)
        .WithFeatures(new[] { new KeyValuePair<string, string>("InterceptorsNamespaces", "Dbos.Generated") });

    private static readonly Lazy<ImmutableArray<MetadataReference>> LazyReferences = new(LoadReferences);

    public static ImmutableArray<MetadataReference> References => LazyReferences.Value;

    /// <summary>This project's directory (its sources sit next to this file).</summary>
    public static string ProjectDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;

    public static string SamplesDirectory => Path.Combine(ProjectDirectory(), "Samples");

    public static string SnapshotsDirectory => Path.Combine(ProjectDirectory(), "Snapshots");

    /// <summary>The sample sources, keyed by file name.</summary>
    public static IReadOnlyList<(string Name, string Text)> SampleSources()
        => Directory.GetFiles(SamplesDirectory, "*.cs")
            .OrderBy(p => p, StringComparer.Ordinal)
            .Select(p => (Path.GetFileName(p), File.ReadAllText(p).ReplaceLineEndings("\n")))
            .ToList();

    public static SyntaxTree Parse(string name, string text) => CSharpSyntaxTree.ParseText(text, ParseOptions, path: name);

    public static CSharpCompilation CreateCompilation(IEnumerable<(string Name, string Text)> sources, string assemblyName = "Dbos.Generators.Samples")
        => CSharpCompilation.Create(
            assemblyName,
            sources.Select(s => Parse(s.Name, s.Text)),
            References,
            new CSharpCompilationOptions(
                    OutputKind.DynamicallyLinkedLibrary,
                    nullableContextOptions: NullableContextOptions.Enable,
                    deterministic: true)
                // As the SDK does: assembly-version unification notes are not warnings about the code.
                .WithSpecificDiagnosticOptions(new Dictionary<string, ReportDiagnostic>
                {
                    ["CS1701"] = ReportDiagnostic.Suppress,
                    ["CS1702"] = ReportDiagnostic.Suppress,
                }));

    public static GeneratorDriver CreateDriver(bool trackSteps = false)
        => CSharpGeneratorDriver.Create(
            new[] { new DbosGenerator().AsSourceGenerator() },
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: trackSteps));

    /// <summary>Runs the generator; returns the compilation with the generated sources added and the run result.</summary>
    public static (Compilation Output, GeneratorDriverRunResult Result) Run(Compilation compilation)
    {
        var driver = CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
        if (!diagnostics.IsEmpty)
        {
            throw new InvalidOperationException("The generator reported diagnostics: " + string.Join(Environment.NewLine, diagnostics));
        }

        return (output, driver.GetRunResult());
    }

    private static ImmutableArray<MetadataReference> LoadReferences()
    {
        var paths = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal)
                || Path.GetFileName(p) is "mscorlib.dll" or "netstandard.dll")
            .Append(typeof(Dbos.Internal.DbosGenerated).Assembly.Location)
            .Append(typeof(Microsoft.Extensions.DependencyInjection.IServiceCollection).Assembly.Location)
            .Distinct(StringComparer.Ordinal);
        return paths.Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToImmutableArray();
    }
}
