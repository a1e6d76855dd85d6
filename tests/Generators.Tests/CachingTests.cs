using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using NUnit.Framework;

namespace Dbos.Generators.Tests;

/// <summary>
/// A second run over an unchanged (or unrelatedly changed) compilation must reuse every step's output, and no step may
/// hold on to symbols, syntax or compilations (they would defeat caching and keep old compilations alive).
/// Modelled on NetEscapades.EnumGenerators' TestHelpers.
/// </summary>
public class CachingTests
{
    private static readonly Type[] BannedTypes =
    [
        typeof(Compilation), typeof(ISymbol), typeof(SyntaxNode), typeof(SyntaxTree), typeof(SemanticModel), typeof(Location),
    ];

    [Test]
    public void A_second_run_over_the_same_compilation_is_fully_cached()
    {
        var compilation = GeneratorTestHelper.CreateCompilation(GeneratorTestHelper.SampleSources());
        var driver = GeneratorTestHelper.CreateDriver(trackSteps: true).RunGenerators(compilation);
        var first = driver.GetRunResult();
        var second = driver.RunGenerators(compilation.Clone()).GetRunResult();

        AssertTrackedStepsCached(first, second);
        AssertOutputsCached(second);
    }

    [Test]
    public void Adding_a_file_without_durable_methods_changes_nothing()
    {
        var compilation = GeneratorTestHelper.CreateCompilation(GeneratorTestHelper.SampleSources());
        var driver = GeneratorTestHelper.CreateDriver(trackSteps: true).RunGenerators(compilation);
        var first = driver.GetRunResult();

        var edited = compilation.AddSyntaxTrees(GeneratorTestHelper.Parse("Added.cs", """
            namespace Shop.Extra;

            public sealed class Added
            {
                public int Value { get; set; } = 42;
            }
            """));
        var second = driver.RunGenerators(edited).GetRunResult();

        AssertTrackedStepsCached(first, second);
        AssertOutputsCached(second);
    }

    [Test]
    public void Editing_a_file_without_durable_calls_regenerates_nothing()
    {
        var sources = GeneratorTestHelper.SampleSources();
        var compilation = GeneratorTestHelper.CreateCompilation(sources);
        var driver = GeneratorTestHelper.CreateDriver(trackSteps: true).RunGenerators(compilation);

        var unrelated = compilation.SyntaxTrees.Single(t => t.FilePath == "Unrelated.cs");
        var text = sources.Single(s => s.Name == "Unrelated.cs").Text.Replace("\"0.00\"", "\"0.000\"", StringComparison.Ordinal);
        var second = driver.RunGenerators(compilation.ReplaceSyntaxTree(unrelated, GeneratorTestHelper.Parse("Unrelated.cs", text))).GetRunResult();

        // The edited file's own invocations are re-read (that pass is syntax-only); everything after the name filter is reused.
        foreach (var (name, steps) in TrackedSteps(second).Where(s => s.Key != DbosGenerator.TrackingNames.Invocations))
        {
            AssertReused(name, steps);
        }

        AssertOutputsCached(second);
    }

    [Test]
    public void Editing_a_step_body_regenerates_only_that_class()
    {
        var sources = GeneratorTestHelper.SampleSources();
        var compilation = GeneratorTestHelper.CreateCompilation(sources);
        var driver = GeneratorTestHelper.CreateDriver(trackSteps: true).RunGenerators(compilation);

        var billing = compilation.SyntaxTrees.Single(t => t.FilePath == "Billing.cs");
        var text = sources.Single(s => s.Name == "Billing.cs").Text.Replace("Task.FromResult(1)", "Task.FromResult(2)", StringComparison.Ordinal);
        var second = driver.RunGenerators(compilation.ReplaceSyntaxTree(billing, GeneratorTestHelper.Parse("Billing.cs", text))).GetRunResult();

        // The interceptable location's data includes a checksum of the file, so the interceptors file is rewritten;
        // the class files (a step's body is not part of its descriptor) are not.
        var classSteps = second.Results.Single().TrackedSteps[DbosGenerator.TrackingNames.Classes];
        Assert.That(classSteps.SelectMany(s => s.Outputs).Select(o => o.Reason),
            Is.All.EqualTo(IncrementalStepRunReason.Cached).Or.EqualTo(IncrementalStepRunReason.Unchanged));
    }

    private static void AssertTrackedStepsCached(GeneratorDriverRunResult first, GeneratorDriverRunResult second)
    {
        var firstSteps = TrackedSteps(first);
        var secondSteps = TrackedSteps(second);
        Assert.That(firstSteps.Keys, Is.EquivalentTo(DbosGenerator.TrackingNames.All), "every tracked step ran");
        Assert.That(secondSteps.Keys, Is.EquivalentTo(firstSteps.Keys));

        foreach (var (name, steps) in firstSteps)
        {
            var again = secondSteps[name];
            Assert.That(again.SelectMany(s => s.Outputs).Select(o => o.Value), Is.EqualTo(steps.SelectMany(s => s.Outputs).Select(o => o.Value)),
                $"{name} produces equal outputs for equal inputs");
            AssertReused(name, again);
            foreach (var step in steps)
            {
                AssertNoBannedTypes(step, name);
            }
        }
    }

    private static void AssertReused(string name, IEnumerable<IncrementalGeneratorRunStep> steps)
    {
        foreach (var output in steps.SelectMany(s => s.Outputs))
        {
            Assert.That(output.Reason, Is.EqualTo(IncrementalStepRunReason.Cached).Or.EqualTo(IncrementalStepRunReason.Unchanged),
                $"{name} reuses its output {output.Value}");
        }
    }

    private static void AssertOutputsCached(GeneratorDriverRunResult run)
    {
        var outputs = run.Results.Single().TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs).ToList();
        Assert.That(outputs, Is.Not.Empty);
        Assert.That(outputs.Select(o => o.Reason), Is.All.EqualTo(IncrementalStepRunReason.Cached));
    }

    private static Dictionary<string, IEnumerable<IncrementalGeneratorRunStep>> TrackedSteps(GeneratorDriverRunResult run)
        => run.Results.Single().TrackedSteps
            .Where(s => DbosGenerator.TrackingNames.All.Contains(s.Key))
            .ToDictionary(s => s.Key, s => (IEnumerable<IncrementalGeneratorRunStep>)s.Value);

    private static void AssertNoBannedTypes(IncrementalGeneratorRunStep step, string name)
    {
        var visited = new HashSet<object>(ReferenceEqualityComparer.Instance);
        foreach (var (value, _) in step.Outputs)
        {
            Visit(value);
        }

        void Visit(object? node)
        {
            if (node is null || !visited.Add(node))
            {
                return;
            }

            var type = node.GetType();
            Assert.That(BannedTypes.Any(b => b.IsAssignableFrom(type)), Is.False, $"{name} outputs a {type}");
            if (type.IsPrimitive || type.IsEnum || type == typeof(string))
            {
                return;
            }

            if (node is IEnumerable collection)
            {
                foreach (var element in collection)
                {
                    Visit(element);
                }

                return;
            }

            foreach (var field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
            {
                Visit(field.GetValue(node));
            }
        }
    }
}
