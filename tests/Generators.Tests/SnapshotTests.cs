using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using NUnit.Framework;

namespace Dbos.Generators.Tests;

/// <summary>
/// The generated source for the samples, compared with the approved files in <c>Snapshots/</c> so a reviewer sees what
/// users get. Run with <c>DBOS_UPDATE_SNAPSHOTS=1</c> to rewrite them, then review the diff.
/// </summary>
public class SnapshotTests
{
    private static bool Update => Environment.GetEnvironmentVariable("DBOS_UPDATE_SNAPSHOTS") == "1";

    [Test]
    public void Generated_sources_match_the_approved_snapshots()
    {
        var (_, result) = GeneratorTestHelper.Run(GeneratorTestHelper.CreateCompilation(GeneratorTestHelper.SampleSources()));
        var generated = result.Results.Single().GeneratedSources
            .ToDictionary(s => SnapshotName(s.HintName), s => Normalize(s.SourceText.ToString()), StringComparer.Ordinal);

        var directory = GeneratorTestHelper.SnapshotsDirectory;
        var approved = Directory.GetFiles(directory, "*.verified.cs")
            .ToDictionary(p => Path.GetFileName(p)!, p => File.ReadAllText(p).ReplaceLineEndings("\n"), StringComparer.Ordinal);

        if (Update)
        {
            foreach (var stale in approved.Keys.Except(generated.Keys))
            {
                File.Delete(Path.Combine(directory, stale));
            }

            foreach (var (name, text) in generated)
            {
                File.WriteAllText(Path.Combine(directory, name), text);
            }

            Assert.Warn("Snapshots rewritten; review the diff.");
            return;
        }

        var problems = new List<string>();
        problems.AddRange(generated.Keys.Except(approved.Keys).Select(n => "not approved yet: " + n));
        problems.AddRange(approved.Keys.Except(generated.Keys).Select(n => "no longer generated: " + n));
        foreach (var (name, text) in generated.Where(g => approved.ContainsKey(g.Key)))
        {
            if (text != approved[name])
            {
                problems.Add("differs: " + name + Environment.NewLine + FirstDifference(approved[name], text));
            }
        }

        Assert.That(problems, Is.Empty, "Run the tests with DBOS_UPDATE_SNAPSHOTS=1 to accept the new output.");
    }

    [Test]
    public void The_snapshot_covers_every_kind_of_generated_file()
    {
        var names = Directory.GetFiles(GeneratorTestHelper.SnapshotsDirectory, "*.verified.cs").Select(Path.GetFileName).ToList();
        Assert.That(names, Is.SupersetOf(new[]
        {
            "Dbos.Interceptors.g.verified.cs",
            "Dbos.Registration.g.verified.cs",
            "Shop.OrderWorkflows.Dbos.g.verified.cs",
            "Shop.PriorityOrderWorkflows.Dbos.g.verified.cs",
            "Shop.Billing.Accounts.Invoices.Dbos.g.verified.cs",
            "Heartbeat.Dbos.g.verified.cs",
        }));
    }

    /// <summary>Line endings and the generator's version (a release bump is not a change in what is generated).</summary>
    private static string Normalize(string source)
        => source.ReplaceLineEndings("\n").Replace(
            "GeneratedCodeAttribute(\"Dbos.Generators\", \"" + typeof(DbosGenerator).Assembly.GetName().Version + "\")",
            "GeneratedCodeAttribute(\"Dbos.Generators\", \"{version}\")",
            StringComparison.Ordinal);

    private static string SnapshotName(string hintName)
        => (hintName.EndsWith(".cs", StringComparison.Ordinal) ? hintName[..^3] : hintName) + ".verified.cs";

    private static string FirstDifference(string expected, string actual)
    {
        var expectedLines = expected.Split('\n');
        var actualLines = actual.Split('\n');
        for (var i = 0; i < Math.Max(expectedLines.Length, actualLines.Length); i++)
        {
            var e = i < expectedLines.Length ? expectedLines[i] : "<end of file>";
            var a = i < actualLines.Length ? actualLines[i] : "<end of file>";
            if (e != a)
            {
                return $"line {i + 1}:{Environment.NewLine}  approved:  {e}{Environment.NewLine}  generated: {a}";
            }
        }

        return string.Empty;
    }
}
