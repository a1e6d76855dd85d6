using System.IO;
using System.Linq;
using System.Threading.Tasks;
using NUnit.Framework;

namespace Dbos.Analyzers.Tests;

/// <summary>Correct workflows stay silent under every analyzer; the same code with one mistake warns once.</summary>
public class CorpusTests
{
    private static (string Path, string Text) Read(string name)
    {
        var path = Path.Combine(RepositoryTests.RepositoryRoot(), "tests", "Analyzers.Tests", "Corpus", name);
        return (name, File.ReadAllText(path));
    }

    [Test]
    public async Task Correct_workflows_raise_no_diagnostics()
    {
        if (!TestSetup.DbosHas("RecvAsync"))
        {
            Assert.Ignore("The corpus uses DBOS messaging, which is not in the runtime yet.");
        }

        var diagnostics = await AllAnalyzers.RunAsync(AllAnalyzers.Compile(new[] { Read("CorrectWorkflows.cs") }));
        Assert.That(diagnostics.Select(d => d.ToString()), Is.Empty);
    }

    [Test]
    public async Task The_wrong_workflow_warns_once_with_the_call_chain()
    {
        var diagnostics = await AllAnalyzers.RunAsync(AllAnalyzers.Compile(new[] { Read("WrongWorkflow.cs") }));
        Assert.That(diagnostics.Select(d => d.Id), Is.EqualTo(new[] { "DBOS003" }));
        Assert.That(
            diagnostics[0].GetMessage(System.Globalization.CultureInfo.InvariantCulture),
            Does.StartWith("Workflow 'PlaceOrder' calls 'Stamp', which uses 'DateTimeOffset.UtcNow'"));
    }
}
