using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Threading.Tasks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using NUnit.Framework;

namespace Dbos.Tests.Hosting;

/// <summary>Settings as .NET apps give them: a configuration section, IOptions, the DBOS environment variable.</summary>
public sealed class ConfigurationTests(string engine) : EngineTest(engine)
{
    /// <summary>Runs one workflow through the host's runtime and returns its stored executor, version and application name.</summary>
    private async Task<string?[]> RunOneWorkflowAsync(IHost host, string workflowId)
    {
        var runtime = host.Services.GetRequiredService<DbosRuntime>();
        using (runtime.Use())
        using (new SetWorkflowID(workflowId))
        {
            Assert.That(await BasicWorkflows.ThreeSteps(1), Is.EqualTo("r4"));
        }

        var rows = await QueryAsync("SELECT executor_id, application_version, application_name FROM {s}workflow_status WHERE workflow_uuid = @p1", workflowId);
        Assert.That(rows, Has.Count.EqualTo(1), "the workflow is stored in the configured system database");
        return rows[0].Select(v => (string?)v).ToArray();
    }

    [Test]
    public async Task A_configuration_section_from_appsettings_json_sets_the_options()
    {
        var file = Path.Combine(Path.GetTempPath(), "dbos-tests", $"appsettings-{Guid.NewGuid():N}.json");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllText(file, $$"""
            {
              "Dbos": {
                "SystemDatabaseUrl": "{{Database}}",
                "ApplicationName": "configured-app",
                "executorId": "configured-executor",
                "ApplicationVersion": "v-config",
                "SystemDatabasePoolSize": "7",
                "ConnectTimeout": "00:00:09",
                "ShutdownTimeout": "00:00:00",
                "RecoverPendingWorkflows": false
              }
            }
            """);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddJsonFile(file);
        builder.Services.AddDbos(builder.Configuration.GetSection("Dbos"));
        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            Assert.That(await RunOneWorkflowAsync(host, "from-json"), Is.EqualTo(new[] { "configured-executor", "v-config", "configured-app" }));
            var options = host.Services.GetRequiredService<DbosRuntime>().Options;
            Assert.That(options.SystemDatabasePoolSize, Is.EqualTo(7));
            Assert.That(options.ConnectTimeout, Is.EqualTo(TimeSpan.FromSeconds(9)));
            Assert.That(options.ShutdownTimeout, Is.EqualTo(TimeSpan.Zero));
            Assert.That(options.RecoverPendingWorkflows, Is.False);
            Assert.That(options.RunMigrations, Is.True, "a key that is absent keeps its default");
        }
        finally
        {
            await host.StopAsync();
            File.Delete(file);
        }
    }

    [Test]
    public async Task Configure_the_section_the_action_and_PostConfigure_all_apply_in_order()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Dbos:ExecutorId"] = "from-section",
            ["Dbos:ApplicationVersion"] = "from-section",
        });

        // Registered before AddDbos, as apps often do: it used to be ignored.
        builder.Services.Configure<DbosOptions>(o =>
        {
            o.SystemDatabaseUrl = Database;
            o.ApplicationName = "from-configure";
            o.ShutdownTimeout = TimeSpan.Zero;
        });
        builder.Services.AddDbos(builder.Configuration.GetSection("Dbos"), o => o.ApplicationVersion = "from-code");
        builder.Services.PostConfigure<DbosOptions>(o => o.ExecutorId += "-post");
        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            Assert.That(await RunOneWorkflowAsync(host, "layered"), Is.EqualTo(new[] { "from-section-post", "from-code", "from-configure" }));
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Test]
    public async Task AddDbos_without_settings_uses_IOptions()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddOptions<DbosOptions>().Configure(o =>
        {
            o.SystemDatabaseUrl = Database;
            o.ExecutorId = "options-only";
            o.ShutdownTimeout = TimeSpan.Zero;
        });
        builder.Services.AddDbos();
        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            Assert.That((await RunOneWorkflowAsync(host, "options-only"))[0], Is.EqualTo("options-only"));
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Test]
    public async Task DBOS_environment_variables_seen_in_the_Dbos_section_are_not_unknown_keys()
    {
        // The environment provider maps DBOS__VMID to the key Dbos:VMID; the runtime reads the variable itself.
        Environment.SetEnvironmentVariable("DBOS__VMID", "vm-from-environment");
        try
        {
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
            builder.Configuration.AddEnvironmentVariables();
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Dbos:SystemDatabaseUrl"] = Database, ["Dbos:ShutdownTimeout"] = "00:00:00" });
            builder.Services.AddDbos(builder.Configuration.GetSection("Dbos"));
            using var host = builder.Build();
            Assert.That(builder.Configuration["Dbos:VMID"], Is.EqualTo("vm-from-environment"));
            await host.StartAsync();
            try
            {
                Assert.That((await RunOneWorkflowAsync(host, "on-a-vm"))[0], Is.EqualTo("vm-from-environment"));
            }
            finally
            {
                await host.StopAsync();
            }
        }
        finally
        {
            Environment.SetEnvironmentVariable("DBOS__VMID", null);
        }
    }

    [Test]
    public async Task DBOS_SYSTEM_DATABASE_URL_is_the_system_database_when_none_is_set_and_an_explicit_one_wins()
    {
        var previous = Environment.GetEnvironmentVariable(DbosOptions.SystemDatabaseUrlVariable);
        try
        {
            Environment.SetEnvironmentVariable(DbosOptions.SystemDatabaseUrlVariable, Database);
            await using (var runtime = await DbosRuntime.LaunchAsync(new DbosOptions { ShutdownTimeout = TimeSpan.Zero }))
            {
                using (runtime.Use())
                using (new SetWorkflowID("from-environment"))
                {
                    await BasicWorkflows.ThreeSteps(1);
                }

                Assert.That(runtime.Options.SystemDatabaseUrl, Is.EqualTo(Database));
                Assert.That(new DbosConfig(runtime).SystemDatabaseUrl, Does.Contain(IsPostgres ? "postgresql://" : Path.GetFileName(Database)));
            }

            Assert.That(await StatusAsync("from-environment"), Is.EqualTo("SUCCESS"));

            // An explicit URL wins: the variable names a file that must not come into being.
            var unused = TestDatabases.NewSqliteFile("unused");
            Environment.SetEnvironmentVariable(DbosOptions.SystemDatabaseUrlVariable, unused);
            await using (var runtime = await DbosRuntime.LaunchAsync(Options()))
            {
                using (runtime.Use())
                using (new SetWorkflowID("explicit"))
                {
                    await BasicWorkflows.ThreeSteps(1);
                }
            }

            Assert.That(await StatusAsync("explicit"), Is.EqualTo("SUCCESS"));
            Assert.That(File.Exists(unused), Is.False);
        }
        finally
        {
            Environment.SetEnvironmentVariable(DbosOptions.SystemDatabaseUrlVariable, previous);
        }
    }
}

/// <summary>Bad settings stop the start with a message naming the key, before anything is created.</summary>
public sealed class ConfigurationValidationTests
{
    private string _file = "";

    [SetUp]
    public void NewFile() => _file = TestDatabases.NewSqliteFile("validation");

    private async Task<Exception> StartWithAsync(string key, string value)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Dbos:SystemDatabaseUrl"] = _file,
            ["Dbos:" + key] = value,
        });
        builder.Services.AddDbos(builder.Configuration.GetSection("Dbos"));
        using var host = builder.Build();
        var e = await Assert.CatchAsync(async () => await host.StartAsync());
        Assert.That(File.Exists(_file), Is.False, "nothing is created before the settings are checked");
        return e!;
    }

    [TestCase("SystemDatabasePoolSize", "0", "Dbos:SystemDatabasePoolSize is 0: it must be at least 1")]
    [TestCase("SystemDatabasePoolSize", "many", "Dbos:SystemDatabasePoolSize is 'many', which is not a whole number")]
    [TestCase("ConnectTimeout", "-00:00:05", "Dbos:ConnectTimeout is -00:00:05: it must be positive")]
    [TestCase("ConnectTimeout", "00:00:00", "Dbos:ConnectTimeout is 00:00:00: it must be positive")]
    [TestCase("TakeoverInterval", "00:00:00", "Dbos:TakeoverInterval is 00:00:00: it must be positive (the default is 00:00:10); set TakeOverDeadExecutors to false")]
    [TestCase("TakeOverDeadExecutors", "sometimes", "Dbos:TakeOverDeadExecutors is 'sometimes', which is not true or false")]
    [TestCase("ShutdownTimeout", "-00:00:01", "Dbos:ShutdownTimeout is -00:00:01: it must be zero or more")]
    [TestCase("ShutdownTimeout", "soon", "Dbos:ShutdownTimeout is 'soon', which is not a duration")]
    [TestCase("ConnectTimeout", "15", "Dbos:ConnectTimeout is '15', which is not a duration such as 00:00:15")]
    [TestCase("RunMigrations", "yes", "Dbos:RunMigrations is 'yes', which is not true or false")]
    [TestCase("SystemDatabaseSchema", " ", "Dbos:SystemDatabaseSchema is empty")]
    [TestCase("SystemDatabaseSchema", "a$b", "Dbos:SystemDatabaseSchema: 'a$b' is not a usable PostgreSQL schema name")]
    [TestCase("ConnectTimout", "00:00:05", "Dbos:ConnectTimout is not a DBOS setting; the settings are SystemDatabaseUrl, ")]
    public async Task A_bad_value_fails_the_start_naming_its_key(string key, string value, string message)
    {
        var e = await StartWithAsync(key, value);
        Assert.That(e, Is.InstanceOf<OptionsValidationException>());
        Assert.That(e.Message, Does.Contain(message));
    }

    [TestCase("Mode=Memory", "Dbos:SystemDatabaseUrl: The system database setting is not recognized")]
    [TestCase("mysql://db/app", "Dbos:SystemDatabaseUrl: The system database setting is not valid: the scheme 'mysql://' is not recognized")]
    [TestCase("postgresql://dbos:TopSecret@db:notaport/app", "Dbos:SystemDatabaseUrl: Invalid port 'notaport'")]
    public async Task A_system_database_url_that_cannot_be_used_fails_the_start_naming_its_key(string url, string message)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Dbos:SystemDatabaseUrl"] = url });
        builder.Services.AddDbos(builder.Configuration.GetSection("Dbos"));
        using var host = builder.Build();
        var e = await Assert.CatchAsync<OptionsValidationException>(async () => await host.StartAsync());
        Assert.That(e!.Message, Does.Contain(message));
        Assert.That(e.Message, Does.Not.Contain("TopSecret"));
    }

    [Test]
    public async Task Without_a_host_the_runtime_checks_the_same_rules_naming_the_property()
    {
        var e = await Assert.CatchAsync<ArgumentException>(async () =>
            await DbosRuntime.LaunchAsync(new DbosOptions { SystemDatabaseUrl = _file, SystemDatabasePoolSize = 0, ShutdownTimeout = TimeSpan.FromSeconds(-2) }));
        Assert.That(e!.Message, Does.Contain("DbosOptions.SystemDatabasePoolSize is 0: it must be at least 1"));
        Assert.That(e.Message, Does.Contain("DbosOptions.ShutdownTimeout is -00:00:02"));
        Assert.That(File.Exists(_file), Is.False);
    }

    [Test]
    public void The_whole_configuration_is_refused_with_the_call_to_make_instead()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Logging:LogLevel:Default"] = "Debug" }).Build();
        var e = Assert.Throws<ArgumentException>(() => new ServiceCollection().AddDbos(configuration));
        Assert.That(e!.Message, Does.Contain("GetSection(\"Dbos\")"));
    }

    [Test]
    public void Every_setting_of_a_plain_type_can_be_set_from_configuration()
    {
        var plain = new[] { typeof(string), typeof(int), typeof(bool), typeof(TimeSpan) };
        var settable = typeof(DbosOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.SetMethod is { IsPublic: true } && plain.Contains(p.PropertyType))
            .Select(p => p.Name);
        Assert.That(DbosOptionsConfiguration.Keys, Is.EquivalentTo(settable));
    }
}
