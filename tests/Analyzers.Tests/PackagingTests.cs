using System;
using System.IO;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using NUnit.Framework;

namespace Dbos.Analyzers.Tests;

/// <summary>What ships: every rule documented and tracked, and assemblies that load in every supported compiler.</summary>
public class PackagingTests
{
    private static readonly Version MaximumRoslyn = new(4, 14, 0, 0);

    private static DiagnosticDescriptor[] Descriptors()
        => AllAnalyzers.Create().SelectMany(a => a.SupportedDiagnostics).Distinct().OrderBy(d => d.Id, StringComparer.Ordinal).ToArray();

    [Test]
    public void Every_rule_has_a_docs_page_a_help_link_and_a_release_line()
    {
        var root = RepositoryTests.RepositoryRoot();
        var unshipped = File.ReadAllLines(Path.Combine(root, "src", "Analyzers", "AnalyzerReleases.Unshipped.md"));
        var index = File.ReadAllText(Path.Combine(root, "docs", "analyzers", "README.md"));
        var descriptors = Descriptors();
        Assert.That(descriptors.Select(d => d.Id), Is.EqualTo(Enumerable.Range(1, 21).Select(i => $"DBOS{i:000}")));
        foreach (var descriptor in descriptors)
        {
            var page = Path.Combine(root, "docs", "analyzers", descriptor.Id + ".md");
            Assert.That(File.Exists(page), Is.True, page);
            Assert.That(File.ReadAllText(page), Does.StartWith("# " + descriptor.Id + ": " + descriptor.Title));
            Assert.That(File.ReadAllText(page), Does.Contain("**Severity:** " + descriptor.DefaultSeverity), page);
            Assert.That(index, Does.Contain("| [" + descriptor.Id + "](" + descriptor.Id + ".md) | " + descriptor.DefaultSeverity + " |"));
            Assert.That(descriptor.HelpLinkUri, Is.EqualTo(Rules.HelpLinkBase + descriptor.Id + ".md"));
            Assert.That(
                unshipped.Any(l => l.StartsWith(descriptor.Id + " | " + descriptor.Category + " | " + descriptor.DefaultSeverity + " |", StringComparison.Ordinal)),
                Is.True,
                descriptor.Id + " in AnalyzerReleases.Unshipped.md");
        }
    }

    [TestCase(typeof(Rules))]
    [TestCase(typeof(Dbos.Analyzers.CodeFixes.BlockingCallCodeFix))]
    public void The_assemblies_reference_Roslyn_4_14_at_most_and_target_netstandard2_0(Type type)
    {
        var references = type.Assembly.GetReferencedAssemblies();
        var roslyn = references.Where(r => r.Name!.StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal)).ToList();
        Assert.That(roslyn, Is.Not.Empty);
        foreach (var reference in roslyn)
        {
            Assert.That(reference.Version, Is.LessThanOrEqualTo(MaximumRoslyn), reference.FullName);
        }

        Assert.That(references.Select(r => r.Name), Does.Contain("netstandard"));
        Assert.That(references.Select(r => r.Name), Does.Not.Contain("System.Runtime"));
    }

    [Test]
    public void The_analyzers_do_not_reference_Workspaces()
    {
        // RS1038: hosts that run analyzers without Workspaces (the command-line compiler) must be able to load them.
        var references = typeof(Rules).Assembly.GetReferencedAssemblies().Select(r => r.Name).ToList();
        Assert.That(references, Has.None.StartsWith("Microsoft.CodeAnalysis.Workspaces"));
        Assert.That(references, Has.None.StartsWith("Microsoft.CodeAnalysis.CSharp.Workspaces"));
    }

    [Test]
    public void Every_analyzer_is_exported_for_CSharp()
    {
        foreach (var analyzer in AllAnalyzers.Create())
        {
            var attribute = analyzer.GetType().GetCustomAttribute<DiagnosticAnalyzerAttribute>();
            Assert.That(attribute?.Languages, Is.EqualTo(new[] { LanguageNames.CSharp }), analyzer.GetType().Name);
        }
    }
}
