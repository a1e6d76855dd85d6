using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace Dbos.Analyzers.Tests;

/// <summary>Test states shared by every analyzer and code-fix test: .NET 10 reference assemblies, the real runtime.</summary>
internal static class TestSetup
{
    /// <summary>ReferenceAssemblies.Net.Net100 does not resolve on this machine; the package is named explicitly.</summary>
    public static readonly ReferenceAssemblies Net100 = new(
        "net10.0",
        new PackageIdentity("Microsoft.NETCore.App.Ref", "10.0.12"),
        Path.Combine("ref", "net10.0"));

    /// <summary>The Dbos runtime and the assemblies its public surface mentions.</summary>
    public static IEnumerable<MetadataReference> RuntimeReferences()
    {
        yield return MetadataReference.CreateFromFile(typeof(Dbos.DBOS).Assembly.Location);
        var directory = Path.GetDirectoryName(typeof(Dbos.DBOS).Assembly.Location)!;
        foreach (var name in new[]
        {
            "Microsoft.Extensions.Logging.Abstractions", "Microsoft.Extensions.DependencyInjection.Abstractions", "Microsoft.Extensions.Options",
            "Microsoft.EntityFrameworkCore", "Microsoft.EntityFrameworkCore.Relational",
        })
        {
            var path = Path.Combine(directory, name + ".dll");
            if (File.Exists(path))
            {
                yield return MetadataReference.CreateFromFile(path);
            }
        }
    }

    /// <summary>Whether the runtime has a DBOS member yet (some are being added by other work).</summary>
    public static bool DbosHas(string member) => typeof(Dbos.DBOS).GetMember(member).Length > 0;

    public static void Configure(SolutionState state, bool withRuntime)
    {
        if (withRuntime)
        {
            state.AdditionalReferences.AddRange(RuntimeReferences());
        }
    }

    public static Solution Latest(Solution solution, ProjectId projectId)
    {
        var project = solution.GetProject(projectId)!;
        var parseOptions = ((CSharpParseOptions)project.ParseOptions!).WithLanguageVersion(LanguageVersion.Latest);
        return solution.WithProjectParseOptions(projectId, parseOptions);
    }
}

/// <summary>Runs one analyzer on source with <c>{|DBOS0xx:...|}</c> markup.</summary>
internal static class AnalyzerVerifier<TAnalyzer>
    where TAnalyzer : DiagnosticAnalyzer, new()
{
    public static Task VerifyAsync(string source, DiagnosticResult[]? expected = null, bool withRuntime = true)
    {
        var test = new CSharpAnalyzerTest<TAnalyzer, DefaultVerifier>
        {
            TestCode = source,
            ReferenceAssemblies = TestSetup.Net100,
        };
        test.ExpectedDiagnostics.AddRange(expected ?? Array.Empty<DiagnosticResult>());

        TestSetup.Configure(test.TestState, withRuntime);
        test.SolutionTransforms.Add(TestSetup.Latest);
        return test.RunAsync(CancellationToken.None);
    }
}

/// <summary>Runs one analyzer and its code fix: <paramref name="source"/> has the markup, <paramref name="fixedSource"/> the result.</summary>
internal static class CodeFixVerifier<TAnalyzer, TCodeFix>
    where TAnalyzer : DiagnosticAnalyzer, new()
    where TCodeFix : CodeFixProvider, new()
{
    public static Task VerifyAsync(string source, string fixedSource, bool withRuntime = true, DiagnosticResult[]? expected = null)
        => Create(source, fixedSource, withRuntime, expected).RunAsync(CancellationToken.None);

    /// <summary>The diagnostics are reported but no fix is offered.</summary>
    public static Task VerifyNoFixAsync(string source, bool withRuntime = true)
    {
        var test = Create(source, source, withRuntime, null);
        test.FixedState.MarkupHandling = MarkupMode.Allow;
        return test.RunAsync(CancellationToken.None);
    }

    private static CSharpCodeFixTest<TAnalyzer, TCodeFix, DefaultVerifier> Create(string source, string fixedSource, bool withRuntime, DiagnosticResult[]? expected)
    {
        var test = new CSharpCodeFixTest<TAnalyzer, TCodeFix, DefaultVerifier>
        {
            TestCode = source,
            FixedCode = fixedSource,
            ReferenceAssemblies = TestSetup.Net100,
        };
        test.ExpectedDiagnostics.AddRange(expected ?? Array.Empty<DiagnosticResult>());

        TestSetup.Configure(test.TestState, withRuntime);
        TestSetup.Configure(test.FixedState, withRuntime);
        test.SolutionTransforms.Add(TestSetup.Latest);
        return test;
    }
}

/// <summary>Every analyzer of the package, run directly on compilations (for corpora, the repository and timing).</summary>
internal static class AllAnalyzers
{
    public static ImmutableArray<DiagnosticAnalyzer> Create()
        => typeof(Rules).Assembly.GetTypes()
            .Where(t => typeof(DiagnosticAnalyzer).IsAssignableFrom(t) && !t.IsAbstract)
            .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!)
            .OrderBy(a => a.GetType().Name, StringComparer.Ordinal)
            .ToImmutableArray();

    /// <summary>What this test process runs on: the framework, the runtime and its dependencies, NUnit, hosting.</summary>
    public static ImmutableArray<MetadataReference> References() => LazyReferences.Value;

    private static readonly Lazy<ImmutableArray<MetadataReference>> LazyReferences = new(() =>
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Where(p => !Path.GetFileName(p).StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal)
                && !Path.GetFileName(p).StartsWith("Dbos.Analyzers", StringComparison.Ordinal))
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToImmutableArray());

    /// <summary>As the SDK parses: latest C#, with the generator's interceptors namespace enabled.</summary>
    public static readonly CSharpParseOptions ParseOptions = new CSharpParseOptions(LanguageVersion.Latest)
        .WithFeatures(new[] { new KeyValuePair<string, string>("InterceptorsNamespaces", "Dbos.Generated") });

    /// <summary>A compilation of the sources with the Dbos generator's output added, as a build with DbosGenerate=true has.</summary>
    public static Compilation Compile(IEnumerable<(string Path, string Text)> sources, string assemblyName = "Corpus", OutputKind kind = OutputKind.DynamicallyLinkedLibrary)
    {
        var compilation = CSharpCompilation.Create(
            assemblyName,
            sources.Select(s => CSharpSyntaxTree.ParseText(s.Text, ParseOptions, path: s.Path)),
            References(),
            new CSharpCompilationOptions(kind, nullableContextOptions: NullableContextOptions.Enable)
                .WithSpecificDiagnosticOptions(new Dictionary<string, ReportDiagnostic>
                {
                    ["CS1701"] = ReportDiagnostic.Suppress,
                    ["CS1702"] = ReportDiagnostic.Suppress,
                }));
        CSharpGeneratorDriver.Create(new[] { new Dbos.Generators.DbosGenerator().AsSourceGenerator() }, parseOptions: ParseOptions)
            .RunGeneratorsAndUpdateCompilation(compilation, out var generated, out _);
        return generated;
    }

    /// <summary>
    /// These tests run on Roslyn 4.14 (the analyzers' minimum), which predates C# 14 extension members such as the
    /// runtime's <c>DBOS.SqlSession&lt;TContext&gt;()</c>; the SDK's compiler binds them. Such calls are left unbound here.
    /// </summary>
    private static bool IsNewerLanguageFeature(Diagnostic diagnostic)
        => diagnostic.Id == "CS0307" && diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture).Contains("DBOS.SqlSession", StringComparison.Ordinal);

    /// <summary>Runs every analyzer; fails if the code does not compile (a corpus must be real code).</summary>
    public static async Task<ImmutableArray<Diagnostic>> RunAsync(Compilation compilation, bool reportSuppressed = false)
    {
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error && !IsNewerLanguageFeature(d)).ToList();
        if (errors.Count > 0)
        {
            throw new InvalidOperationException("The corpus does not compile:" + Environment.NewLine + string.Join(Environment.NewLine, errors.Take(20)));
        }

        var withAnalyzers = compilation.WithAnalyzers(Create(), new CompilationWithAnalyzersOptions(
            new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty), onAnalyzerException: null, concurrentAnalysis: true, logAnalyzerExecutionTime: false,
            reportSuppressedDiagnostics: reportSuppressed));
        var diagnostics = await withAnalyzers.GetAnalyzerDiagnosticsAsync(CancellationToken.None);
        var failures = diagnostics.Where(d => d.Id == "AD0001").ToList();
        if (failures.Count > 0)
        {
            throw new InvalidOperationException("An analyzer threw:" + Environment.NewLine + string.Join(Environment.NewLine, failures));
        }

        return diagnostics.OrderBy(d => d.Location.SourceTree?.FilePath, StringComparer.Ordinal).ThenBy(d => d.Location.SourceSpan.Start).ToImmutableArray();
    }
}
