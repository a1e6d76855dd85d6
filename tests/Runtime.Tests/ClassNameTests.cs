using System;
using System.Linq;
using System.Threading.Tasks;
using Dbos.Internal;
using NUnit.Framework;

namespace Dbos.Tests;

public sealed class ClassNameTests(string engine) : EngineTest(engine)
{
    [Test]
    public async Task Two_classes_with_one_simple_name_store_their_own_class_names_and_are_found_by_them()
    {
        await LaunchAsync();
        using (new SetWorkflowID("alpha-ledger"))
        {
            Assert.That(await Alpha.Ledger.Record(1), Is.EqualTo("alpha 1"));
        }

        using (new SetWorkflowID("beta-ledger"))
        {
            Assert.That(await Beta.Ledger.Record(2), Is.EqualTo("beta 2"));
        }

        var rows = await QueryAsync("SELECT workflow_uuid, class_name, name FROM {s}workflow_status ORDER BY workflow_uuid");
        Assert.That(rows.Select(r => (r[0], r[1], r[2])), Is.EqualTo(new[] { ((object?)"alpha-ledger", (object?)"Ledger", (object?)"Record"), ("beta-ledger", "beta.Ledger", "Record") }));

        // Recovery and DBOS clients find the code by the stored pair.
        var beta = WorkflowRegistry.Global.Find("beta.Ledger", "Record");
        Assert.That(beta, Is.Not.Null);
        Assert.That(await beta!.Invoke(null!, new object?[] { 3 }), Is.EqualTo("beta 3"));
        Assert.That(await WorkflowRegistry.Global.Find("Ledger", "Record")!.Invoke(null!, new object?[] { 4 }), Is.EqualTo("alpha 4"));
    }
}

public sealed class WorkflowRegistryTests
{
    private static class Shop
    {
        public static WorkflowDescriptor Place() => new("Place", "Orders", 100, [], Type.EmptyTypes, typeof(void), "h1", static (_, _) => Task.FromResult<object?>(null));
    }

    private static class Admin
    {
        public static WorkflowDescriptor Place() => new("Place", "Orders", 100, [], Type.EmptyTypes, typeof(void), "h2", static (_, _) => Task.FromResult<object?>(null));
    }

    [Test]
    public void Two_workflows_with_one_stored_class_and_name_are_refused_naming_both_classes()
    {
        var registry = new WorkflowRegistry();
        var first = Shop.Place();
        registry.Register(first);
        registry.Register(first); // the same descriptor again (a module loaded twice) is fine

        var error = Assert.Throws<InvalidOperationException>(() => registry.Register(Admin.Place()));

        Assert.That(error!.Message, Does.Contain("class name 'Orders' and workflow name 'Place'"));
        Assert.That(error.Message, Does.Contain("WorkflowRegistryTests+Shop").And.Contain("WorkflowRegistryTests+Admin"));
        Assert.That(error.Message, Does.Contain("[WorkflowClass(Name = \"...\")]").And.Contain("DBOS016"));
        Assert.That(registry.All, Is.EqualTo(new[] { first }), "the refused workflow is not registered");
    }
}
