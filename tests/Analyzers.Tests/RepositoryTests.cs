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
        var diagnostics = await AllAnalyzers.RunAsync(compilation);

        // BasicWorkflows.TakesDelegate takes a Func<int> on purpose: a runtime test checks that the call fails. It is the
        // one true positive, and stays the only one.
        var expected = project == "tests/Runtime.Tests"
            ? new[] { "DBOS012 tests/Runtime.Tests/Workflows/TestWorkflows.cs: Parameter 'callback' of [Workflow] 'TakesDelegate' has type 'Func<int>'" }
            : Array.Empty<string>();
        var actual = diagnostics.Select(d => d.Id + " " + d.Location.SourceTree?.FilePath + ": " + d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.That(actual.Count, Is.EqualTo(expected.Length), string.Join(Environment.NewLine, actual));
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.That(actual[i], Does.StartWith(expected[i]));
        }
    }
}
