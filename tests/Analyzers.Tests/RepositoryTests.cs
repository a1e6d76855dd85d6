using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using NUnit.Framework;

namespace Dbos.Analyzers.Tests;

/// <summary>The analyzers on this repository's own workflows: the samples and the runtime's tests must stay silent.</summary>
public class RepositoryTests
{
    /// <summary>The repository root (this file is tests/Analyzers.Tests/RepositoryTests.cs).</summary>
    internal static string RepositoryRoot([CallerFilePath] string path = "")
        => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, "..", ".."));

    internal static IReadOnlyList<(string Path, string Text)> ProjectSources(string project)
    {
        var directory = Path.Combine(RepositoryRoot(), project);
        return Directory.GetFiles(directory, "*.cs", SearchOption.AllDirectories)
            .Where(p => !p.Contains(Path.DirectorySeparatorChar + "obj" + Path.DirectorySeparatorChar, StringComparison.Ordinal)
                && !p.Contains(Path.DirectorySeparatorChar + "bin" + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            .OrderBy(p => p, StringComparer.Ordinal)
            .Select(p => (Path.GetRelativePath(RepositoryRoot(), p), File.ReadAllText(p)))
            .ToList();
    }

    [TestCase("samples/Orders", "Dbos.Samples.Orders", OutputKind.ConsoleApplication)]
    [TestCase("tests/TestApp", "Dbos.TestApp", OutputKind.ConsoleApplication)]
    [TestCase("tests/Runtime.Tests", "Dbos.Tests", OutputKind.DynamicallyLinkedLibrary)]
    public async Task The_repository_s_workflows_raise_no_diagnostics(string project, string assemblyName, OutputKind kind)
    {
        // The assembly name matters: the runtime grants its internals to Dbos.Tests.
        var compilation = AllAnalyzers.Compile(ProjectSources(project), assemblyName, kind);
        var diagnostics = await AllAnalyzers.RunAsync(compilation, reportSuppressed: true);

        // The runtime's tests misuse the API on purpose, to check that the runtime refuses: these are true positives, marked
        // with #pragma warning disable in the tests; they must still be found, and be the only diagnostics.
        var deliberate = project == "tests/Runtime.Tests"
            ? new[]
            {
                // BasicWorkflows.TakesDelegate: a workflow argument that cannot be serialized fails at the call.
                "DBOS012 tests/Runtime.Tests/Workflows/TestWorkflows.cs: Parameter 'callback' of [Workflow] 'TakesDelegate'",

                // WorkflowTests: DBOS.StartWorkflowAsync of a method group is refused before the body runs.
                "DBOS010 tests/Runtime.Tests/WorkflowTests.cs: [Workflow] method 'CountsItsRuns'",
                "DBOS010 tests/Runtime.Tests/WorkflowTests.cs: [Step] method 'CountsItsStepRuns'",

                // PricingWorkflows.PatchFromStep: DBOS.PatchAsync in a step is refused.
                "DBOS009 tests/Runtime.Tests/Workflows/VersioningWorkflows.cs: 'DBOS.PatchAsync' only works inside a workflow",

                // TransactionWorkflows.Hijack: committing, rolling back or beginning on DBOS.SqlSession throws.
                "DBOS008 tests/Runtime.Tests/Transactions/TransactionWorkflows.cs: 'DatabaseFacade.CommitTransactionAsync'",
                "DBOS008 tests/Runtime.Tests/Transactions/TransactionWorkflows.cs: 'IDbContextTransaction.Commit'",
                "DBOS008 tests/Runtime.Tests/Transactions/TransactionWorkflows.cs: 'DatabaseFacade.RollbackTransaction'",
                "DBOS008 tests/Runtime.Tests/Transactions/TransactionWorkflows.cs: 'DatabaseFacade.BeginTransactionAsync'",
            }
            : Array.Empty<string>();
        static string Describe(Diagnostic d) => d.Id + " " + d.Location.SourceTree?.FilePath + ": " + d.GetMessage(System.Globalization.CultureInfo.InvariantCulture);
        var unexpected = diagnostics.Where(d => !d.IsSuppressed).Select(Describe).ToList();
        var suppressed = diagnostics.Where(d => d.IsSuppressed).Select(Describe).ToList();
        unexpected.AddRange(suppressed.Where(a => !deliberate.Any(d => a.StartsWith(d, StringComparison.Ordinal))));
        var missing = deliberate.Where(d => !suppressed.Any(a => a.StartsWith(d, StringComparison.Ordinal))).ToList();
        Assert.That(unexpected, Is.Empty, "False positives:" + Environment.NewLine + string.Join(Environment.NewLine, unexpected));
        Assert.That(missing, Is.Empty, "Deliberate misuse no longer reported:" + Environment.NewLine + string.Join(Environment.NewLine, missing));
    }
}
