using System;
using System.Collections.Generic;
using System.IO;
using System.Threading.Tasks;
using Dbos.Serialization;
using Dbos.SystemDatabase;
using NUnit.Framework;

namespace Dbos.Tests;

public sealed class ConnectionSettingTests
{
    [TestCase("postgresql://user:pw@db:5432/app", true)]
    [TestCase("postgres://db/app", true)]
    [TestCase("Host=db;Database=app;Username=u", true)]
    [TestCase("Server=db;Database=app", true)]
    [TestCase("sqlite:///tmp/x.sqlite", false)]
    [TestCase("Data Source=x.sqlite", false)]
    [TestCase("x.sqlite", false)]
    [TestCase("/var/lib/app/dbos.db", false)]
    public void The_engine_follows_the_form_of_the_setting(string setting, bool postgres)
        => Assert.That(SystemDatabaseFactory.IsPostgres(setting), Is.EqualTo(postgres));

    [TestCase("sqlite:////tmp/dbos/a.sqlite", "/tmp/dbos/a.sqlite")] // as in SQLAlchemy (and DBOS Python): four slashes for an absolute path
    [TestCase("Data Source=/tmp/dbos/b.sqlite;Cache=Shared", "/tmp/dbos/b.sqlite")]
    [TestCase("/tmp/dbos/c.sqlite", "/tmp/dbos/c.sqlite")]
    public void SQLite_settings_name_a_file(string setting, string path)
        => Assert.That(SystemDatabaseFactory.SqlitePath(setting), Is.EqualTo(path));

    [TestCase("postgressql://user@db:5432/app", "'postgressql://' is not recognized")]
    [TestCase("mysql://user:pw@db/app", "'mysql://' is not recognized")]
    [TestCase("sqlserver://db/app", "'sqlserver://' is not recognized")]
    [TestCase("postgresql:/db/app", "'postgresql:' must be followed by '//'")]
    [TestCase("sqlite:/app.sqlite", "'sqlite:' must be followed by '//'")]
    public async Task A_setting_with_an_unknown_scheme_fails_at_launch_and_creates_nothing(string setting, string reason)
    {
        var workingDirectory = Directory.GetCurrentDirectory();
        var before = Directory.GetFileSystemEntries(workingDirectory);
        var e = await Assert.ThrowsAsync<ArgumentException>(async () => await (await DbosRuntime.LaunchAsync(new DbosOptions { SystemDatabaseUrl = setting })).DisposeAsync());

        Assert.That(e!.Message, Does.Contain(reason));
        Assert.That(e.Message, Does.Contain("postgresql://").And.Contain("Host=...").And.Contain("sqlite:///").And.Contain("Data Source=").And.Contain("SQLite file path"));
        Assert.That(e.ParamName, Is.EqualTo("SystemDatabaseUrl"));
        Assert.That(Directory.GetFileSystemEntries(workingDirectory), Is.EquivalentTo(before), "nothing is created in the working directory");
        Assert.That(Path.Exists(Path.GetFullPath(setting)), Is.False);
    }

    [TestCase("C:/data/dbos.sqlite")]
    [TestCase("file.v2:x.sqlite")]
    public void A_path_with_a_colon_that_is_no_scheme_stays_a_SQLite_path(string setting)
    {
        Assert.DoesNotThrow(() => SystemDatabaseFactory.RejectUnknownScheme(setting));
        Assert.That(SystemDatabaseFactory.IsPostgres(setting), Is.False);
    }

    [Test]
    public void A_relative_SQLite_path_is_relative_to_the_working_directory()
    {
        Assert.That(SystemDatabaseFactory.SqlitePath("dbos_system.sqlite"), Is.EqualTo(Path.GetFullPath("dbos_system.sqlite")));
        Assert.That(SystemDatabaseFactory.SqlitePath("sqlite:///app.sqlite"), Is.EqualTo(Path.GetFullPath("app.sqlite")));
    }
}

/// <summary>A serializer of the user's own: portable JSON under another name, counting its calls.</summary>
public sealed class CountingSerializer : IDbosSerializer
{
    private readonly PortableJsonSerializer _inner = new();

    public int Calls { get; private set; }

    public string Name => "counting_json";

    public string Serialize(object? value, Type type) => Count(_inner.Serialize(value, type));

    public object? Deserialize(string text, Type type) => Count(_inner.Deserialize(text, type));

    public string SerializeArguments(IReadOnlyList<object?> arguments, IReadOnlyList<Type> types) => Count(_inner.SerializeArguments(arguments, types));

    public object?[] DeserializeArguments(string text, IReadOnlyList<Type> types) => Count(_inner.DeserializeArguments(text, types));

    public string SerializeError(Exception error) => Count(_inner.SerializeError(error));

    public Exception DeserializeError(string text) => Count(_inner.DeserializeError(text));

    private T Count<T>(T value)
    {
        Calls++;
        return value;
    }
}

public sealed class CustomSerializerTests(string engine) : EngineTest(engine)
{
    [Test]
    public async Task A_plugged_in_serializer_writes_the_rows_and_names_itself_in_them()
    {
        var serializer = new CountingSerializer();
        await LaunchAsync(o => o.Serializer = serializer);
        using (new SetWorkflowID("custom"))
        {
            Assert.That(await BasicWorkflows.ThreeSteps(2), Is.EqualTo("r6"));
        }

        Assert.That(serializer.Calls, Is.GreaterThanOrEqualTo(5), "arguments, three step outputs and the result");
        var status = await QueryAsync("SELECT serialization FROM {s}workflow_status WHERE workflow_uuid = 'custom'");
        Assert.That(status[0][0], Is.EqualTo("counting_json"));
        var steps = await QueryAsync("SELECT DISTINCT serialization FROM {s}operation_outputs WHERE workflow_uuid = 'custom'");
        Assert.That(steps, Has.Count.EqualTo(1));
        Assert.That(steps[0][0], Is.EqualTo("counting_json"));

        using (new SetWorkflowID("custom"))
        {
            Assert.That(await BasicWorkflows.ThreeSteps(2), Is.EqualTo("r6"), "read back through the same serializer");
        }
    }
}
