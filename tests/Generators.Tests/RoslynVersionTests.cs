using System;
using System.Linq;
using NUnit.Framework;

namespace Dbos.Generators.Tests;

/// <summary>The generator must load in every compiler that .NET 10 SDKs and Visual Studio 17.14+ ship.</summary>
public class RoslynVersionTests
{
    private static readonly Version MaximumRoslyn = new(4, 14, 0, 0);

    [Test]
    public void The_generator_references_Roslyn_4_14_at_most()
    {
        var references = typeof(DbosGenerator).Assembly.GetReferencedAssemblies()
            .Where(r => r.Name!.StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal))
            .ToList();

        Assert.That(references.Select(r => r.Name), Does.Contain("Microsoft.CodeAnalysis"));
        foreach (var reference in references)
        {
            Assert.That(reference.Version, Is.LessThanOrEqualTo(MaximumRoslyn), reference.FullName);
        }
    }

    [Test]
    public void The_generator_targets_netstandard2_0()
    {
        var references = typeof(DbosGenerator).Assembly.GetReferencedAssemblies().Select(r => r.Name).ToList();
        Assert.That(references, Does.Contain("netstandard"));
        Assert.That(references, Does.Not.Contain("System.Runtime"));
    }
}
