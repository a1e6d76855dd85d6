using System;
using System.IO;
using System.Threading.Tasks;
using Dbos.Tests.Postgres;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Npgsql;
using NUnit.Framework;

namespace Dbos.Tests.Hosting;

/// <summary><c>services.AddHealthChecks().AddDbos()</c> against real databases, including ones that went away.</summary>
public sealed class HealthCheckTests(string engine) : EngineTest(engine)
{
    private IHost BuildHost()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddDbos(o =>
        {
            o.SystemDatabaseUrl = Database;
            o.ShutdownTimeout = TimeSpan.Zero;
            o.ConnectTimeout = TimeSpan.FromSeconds(5);
        });
        builder.Services.AddHealthChecks().AddDbos();
        return builder.Build();
    }

    private static async Task<HealthReportEntry> CheckAsync(IHost host)
        => (await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync()).Entries["dbos"];

    private static async Task RunOneWorkflowAsync(IHost host)
    {
        using (host.Services.GetRequiredService<DbosRuntime>().Use())
        {
            Assert.That(await BasicWorkflows.ThreeSteps(1), Is.EqualTo("r4"));
        }
    }

    [Test]
    public async Task The_check_is_healthy_only_while_the_runtime_runs()
    {
        using var host = BuildHost();
        var before = await CheckAsync(host);
        Assert.That(before.Status, Is.EqualTo(HealthStatus.Unhealthy));
        Assert.That(before.Description, Does.Contain("not running"));

        await host.StartAsync();
        await RunOneWorkflowAsync(host);
        var running = await CheckAsync(host);
        Assert.That(running.Status, Is.EqualTo(HealthStatus.Healthy), running.Description);
        Assert.That(running.Data["engine"], Is.EqualTo(Engine));
        Assert.That(running.Data["executor_id"], Is.EqualTo("local"));
        if (IsPostgres)
        {
            Assert.That(running.Data["listener_connected"], Is.True);
        }
        else
        {
            Assert.That(running.Data.ContainsKey("listener_connected"), Is.False, "SQLite has no listener");
        }

        await host.StopAsync();
        var stopped = await CheckAsync(host);
        Assert.That(stopped.Status, Is.EqualTo(HealthStatus.Unhealthy));
        Assert.That(stopped.Description, Does.Contain("not running"));
    }

    [Test]
    public async Task The_check_is_unhealthy_when_the_system_database_is_gone()
    {
        using var host = BuildHost();
        await host.StartAsync();
        try
        {
            await RunOneWorkflowAsync(host);
            Assert.That((await CheckAsync(host)).Status, Is.EqualTo(HealthStatus.Healthy));

            string? expected = null;
            if (IsPostgres)
            {
                // The database is dropped under the running runtime (its connections are closed by the server).
                var name = new NpgsqlConnectionStringBuilder(Dbos.SystemDatabase.Postgres.PostgresConnectionStrings.Normalize(Database)).Database;
                await PostgresTestSupport.ExecuteAsync(TestDatabases.PostgresServerUrl, $"DROP DATABASE \"{name}\" WITH (FORCE)");
            }
            else
            {
                // The file is deleted under the running runtime; its open connection would go on writing to the deleted file.
                foreach (var file in new[] { Database, Database + "-wal", Database + "-shm" })
                {
                    File.Delete(file);
                }

                expected = "no longer exists";
            }

            var gone = await CheckAsync(host);
            Assert.That(gone.Status, Is.EqualTo(HealthStatus.Unhealthy));
            Assert.That(gone.Description, Does.StartWith("The DBOS system database cannot be reached: "));
            Assert.That(gone.Exception, Is.Not.Null);
            if (expected is not null)
            {
                Assert.That(gone.Description, Does.Contain(expected));
            }

            if (IsPostgres)
            {
                // Once the pool has dropped the connections the server closed, the check names the cause.
                await EventuallyAsync(async () => (await CheckAsync(host)).Description?.Contains("does not exist", StringComparison.Ordinal) == true, "the check names the missing database");
                Assert.That((await CheckAsync(host)).Status, Is.EqualTo(HealthStatus.Unhealthy));
            }
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Test]
    public async Task On_PostgreSQL_a_disconnected_listener_is_degraded_until_it_reconnects()
    {
        if (!IsPostgres)
        {
            Assert.Ignore("SQLite has no notification listener.");
        }

        using var host = BuildHost();
        await host.StartAsync();
        var name = new NpgsqlConnectionStringBuilder(Dbos.SystemDatabase.Postgres.PostgresConnectionStrings.Normalize(Database)).Database;
        var server = TestDatabases.PostgresServerUrl;
        try
        {
            await RunOneWorkflowAsync(host); // leaves pooled connections open: the database stays reachable through them

            // New connections are refused and the listener's is closed: it cannot get back until connections are allowed.
            await PostgresTestSupport.ExecuteAsync(server, $"ALTER DATABASE \"{name}\" ALLOW_CONNECTIONS false");
            await PostgresTestSupport.ExecuteAsync(server, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND application_name = 'dbos-listener'", name);
            await EventuallyAsync(async () => (await CheckAsync(host)).Status == HealthStatus.Degraded, "the check reports the listener down");
            var degraded = await CheckAsync(host);
            Assert.That(degraded.Data["listener_connected"], Is.False);
            Assert.That(degraded.Description, Does.Contain("listener is disconnected"));

            await PostgresTestSupport.ExecuteAsync(server, $"ALTER DATABASE \"{name}\" ALLOW_CONNECTIONS true");
            await EventuallyAsync(async () => (await CheckAsync(host)).Status == HealthStatus.Healthy, "the listener reconnects");
            Assert.That((await CheckAsync(host)).Data["listener_connected"], Is.True);
        }
        finally
        {
            await PostgresTestSupport.ExecuteAsync(server, $"ALTER DATABASE \"{name}\" ALLOW_CONNECTIONS true");
            await host.StopAsync();
        }
    }
}

/// <summary>The check registered without a runtime.</summary>
public sealed class HealthCheckRegistrationTests
{
    [Test]
    public async Task Without_AddDbos_the_check_says_what_to_register()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddHealthChecks().AddDbos(name: "workflows", failureStatus: HealthStatus.Degraded);
        using var host = builder.Build();
        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        Assert.That(report.Entries["workflows"].Status, Is.EqualTo(HealthStatus.Degraded), "the registration's failure status");
        Assert.That(report.Entries["workflows"].Description, Does.Contain("services.AddDbos("));
    }
}
