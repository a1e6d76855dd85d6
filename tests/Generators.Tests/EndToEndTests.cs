using System;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using NUnit.Framework;

namespace Dbos.Generators.Tests;

/// <summary>
/// The samples, compiled with the generated code by the oldest supported Roslyn, run against a real runtime on a
/// SQLite file: intercepted calls become durable workflows with the names the descriptors give them.
/// </summary>
public class EndToEndTests
{
    [Test]
    public async Task Intercepted_calls_in_the_compiled_samples_run_as_durable_workflows()
    {
        var (output, _) = GeneratorTestHelper.Run(GeneratorTestHelper.CreateCompilation(GeneratorTestHelper.SampleSources(), "Dbos.Generators.Samples.EndToEnd"));
        using var image = new MemoryStream();
        var emitted = output.Emit(image);
        Assert.That(emitted.Success, Is.True, string.Join(Environment.NewLine, emitted.Diagnostics));

        var assembly = new AssemblyLoadContext("samples", isCollectible: true).LoadFromStream(new MemoryStream(image.ToArray()));
        var orderWorkflows = assembly.GetType("Shop.OrderWorkflows", throwOnError: true)!;
        var caller = assembly.GetType("Shop.Caller", throwOnError: true)!;

        var database = Path.Combine(Path.GetTempPath(), "dbos-generator-tests", Guid.NewGuid().ToString("N") + ".sqlite");
        Directory.CreateDirectory(Path.GetDirectoryName(database)!);
        try
        {
            await using var runtime = await DbosRuntime.LaunchAsync(new DbosOptions { SystemDatabaseUrl = database, ShutdownTimeout = TimeSpan.Zero });
            int result;
            using (runtime.Use())
            using (new SetWorkflowID("e2e-place-order"))
            {
                var run = caller.GetMethod("RunAsync", BindingFlags.Public | BindingFlags.Static)!;
                result = await (Task<int>)run.Invoke(null, new[] { Activator.CreateInstance(orderWorkflows), null })!;
            }

            Assert.That(result, Is.EqualTo(10));
            var status = await runtime.GetWorkflowStatusAsync("e2e-place-order");
            Assert.That(status, Is.Not.Null, "the first workflow call in the SetWorkflowID scope was intercepted and recorded");
            Assert.That(status!.Status, Is.EqualTo("SUCCESS"));
            Assert.That(status.Name, Is.EqualTo("PlaceOrderAsync"));
            Assert.That(status.ClassName, Is.EqualTo("OrderWorkflows"));

            var handle = await runtime.RetrieveWorkflowAsync<string>("e2e-place-order");
            Assert.That(await handle.GetResultAsync(), Does.StartWith("pen-1track-2"));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var file in Directory.GetFiles(Path.GetDirectoryName(database)!, Path.GetFileName(database) + "*"))
            {
                File.Delete(file);
            }
        }
    }
}
