using System;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;

namespace Dbos.Testing.Tests;

public sealed class EnvironmentTests(string engine) : EngineTest(engine)
{
    [Test]
    public async Task Environments_started_together_each_have_their_own_database_and_runtime()
    {
        var started = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => StartAsync(o => o.Services.AddSingleton<IPayments>(new RecordingPayments()))));
        try
        {
            Assert.That(started.Select(e => e.SystemDatabaseUrl).Distinct().Count(), Is.EqualTo(3));
            var orders = await Task.WhenAll(started.Select(async (env, i) =>
            {
                var order = $"iso-{Engine}-{i}-{Guid.NewGuid():N}";
                await env.GetRequiredService<ICheckoutClient>().RunAsync(order, i);
                return order;
            }));

            for (var i = 0; i < started.Length; i++)
            {
                var listed = await started[i].Runtime.ListWorkflowsAsync();
                Assert.That(listed.Select(w => w.Name), Is.EqualTo(new[] { "Run" }), "only its own workflow");
                Assert.That(listed[0].GetInputs()[0], Is.EqualTo(orders[i]));
            }
        }
        finally
        {
            foreach (var env in started)
            {
                await env.DisposeAsync();
            }
        }
    }

    [Test]
    public async Task The_settings_of_the_test_apply_to_each_runtime_of_the_environment()
    {
        await using var env = await StartAsync(o => o.ConfigureDbos(d => { d.ExecutorId = "tester"; d.ApplicationVersion = "v-test"; }));
        Assert.That((env.Runtime.ExecutorId, env.Runtime.ApplicationVersion), Is.EqualTo(("tester", "v-test")));
        await env.RestartAsync();
        Assert.That((env.Runtime.ExecutorId, env.Runtime.ApplicationVersion), Is.EqualTo(("tester", "v-test")));
    }
}

public sealed class SqliteEnvironmentTests
{
    [Test]
    public async Task Disposing_deletes_the_SQLite_file_and_its_folder()
    {
        var env = await DbosTestEnvironment.StartAsync(o => o.Services.AddSingleton<IPayments>(new RecordingPayments()));
        await env.GetRequiredService<ICheckoutClient>().RunAsync("disposed-" + Guid.NewGuid().ToString("N"), 1m);
        Assert.That(File.Exists(env.SystemDatabaseUrl), Is.True);
        await env.DisposeAsync();
        Assert.That(Directory.Exists(Path.GetDirectoryName(env.SystemDatabaseUrl)), Is.False);
        Assert.Throws<ObjectDisposedException>(() => _ = env.Runtime);
    }

    [Test]
    public async Task Starting_on_a_PostgreSQL_server_that_does_not_answer_fails_with_the_reason()
    {
        var error = await Assert.CatchAsync(() => DbosTestEnvironment.StartAsync(o => o.UsePostgres("postgresql://nobody@127.0.0.1:1/postgres?connect_timeout=2")));
        Assert.That(error, Is.Not.Null);
    }
}
