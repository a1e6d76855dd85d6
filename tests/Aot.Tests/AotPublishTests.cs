using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using Dbos.Package.Tests;
using Npgsql;
using NUnit.Framework;

namespace Dbos.Aot.Tests;

/// <summary>
/// samples/AotDemo (PublishAot=true in its project) published for linux-x64 (once per test run, into a temporary artifacts folder): the publish reports
/// no trim or AOT warning, and the native binary runs its workflow on SQLite and PostgreSQL with rows the JIT runtime reads.
/// </summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public sealed class AotPublishTests(string engine)
{
    private const string WorkflowId = "shipment-aot";

    private static readonly Lazy<Published> s_published = new(Publish);

    /// <summary>The publish's artifacts folder (a few hundred MB), removed once every fixture has run.</summary>
    internal static string? ArtifactsFolder { get; private set; }

    private sealed record Published(string Binary, string Output, TimeSpan Duration);

    // The shapes of the sample's records, read here by reflection as any other client would.
    private sealed record Receipt(int OrderId, decimal Quote, List<string> Parcels, string Approval, DateTimeOffset ShippedAt);

    private sealed record Status(string Stage, decimal Quote);

    private static Published Publish()
    {
        var repository = Dotnet.RepositoryRoot();
        var prerequisites = Dotnet.Exec("bash", repository, "scripts/aot-prereqs.sh");
        if (prerequisites.ExitCode != 0)
        {
            throw new InvalidOperationException("scripts/aot-prereqs.sh " + prerequisites);
        }

        // Its own artifacts folder: the publish builds the runtime, generator and analyzers again without touching the
        // repository's bin and obj, which the other test projects are using.
        var artifacts = Path.Combine(Path.GetTempPath(), "dbos-aot-tests", Guid.NewGuid().ToString("N"));
        ArtifactsFolder = artifacts;
        var watch = Stopwatch.StartNew();
        // Minutes: the ILCompiler package may be restored first, and the machine may be busy.
        var publish = Dotnet.Exec("dotnet", repository, TimeSpan.FromMinutes(20), "publish", "samples/AotDemo/Dbos.Samples.AotDemo.csproj", "-c", "Release", "-r", "linux-x64",
            "-p:IlcTreatWarningsAsErrors=true", "--artifacts-path", artifacts,
            "-nologo", "-nodeReuse:false");
        watch.Stop();
        if (publish.ExitCode != 0)
        {
            throw new InvalidOperationException("dotnet publish -p:PublishAot=true " + publish);
        }

        TestContext.Progress.WriteLine($"AOT publish of samples/AotDemo: {watch.Elapsed.TotalSeconds:F0} s");
        var binary = Path.Combine(artifacts, "publish", "Dbos.Samples.AotDemo", "release_linux-x64", "Dbos.Samples.AotDemo");
        return new Published(binary, publish.Output, watch.Elapsed);
    }

    [Test]
    public void The_publish_reports_no_trim_or_AOT_warning()
    {
        var published = s_published.Value;
        var warnings = published.Output.Split('\n').Where(l => Regex.IsMatch(l, @"\b(warning|error) (IL|CS|DBOS)\d+")).ToList();
        Assert.That(warnings, Is.Empty);
        Assert.That(File.Exists(published.Binary), published.Output);
        // A native executable, not a managed assembly beside a host.
        Assert.That(File.Exists(Path.ChangeExtension(published.Binary, ".dll")), Is.False);
    }

    [Test]
    public async Task The_native_binary_runs_a_workflow_whose_checkpoints_the_runtime_reads()
    {
        var binary = s_published.Value.Binary;
        var database = await NewDatabaseAsync();

        var run = Dotnet.Exec(binary, Path.GetDirectoryName(binary)!, database, WorkflowId);
        Assert.That(run.ExitCode, Is.Zero, run.ToString());
        Assert.That(run.Output, Does.Contain("order 7: quote 7.00, parcels 7-BOOK,7-LAMP, approved").And.Contain("status: shipped"));

        await using var client = await DbosClient.ConnectAsync(database);
        var status = await client.GetWorkflowStatusAsync(WorkflowId);
        Assert.That((status?.Status, status?.Name), Is.EqualTo(("SUCCESS", "Ship")));
        Assert.That(status!.Serialization, Is.EqualTo("portable_json"));

        var receipt = await (await client.RetrieveWorkflowAsync<Receipt>(WorkflowId)).GetResultAsync();
        Assert.That((receipt.OrderId, receipt.Quote, receipt.Approval), Is.EqualTo((7, 7.00m, "approved")));
        Assert.That(receipt.Parcels, Is.EqualTo(new[] { "7-BOOK", "7-LAMP" }));

        var steps = await client.ListWorkflowStepsAsync(WorkflowId);
        Assert.That(steps.Select(s => s.Name), Does.Contain("Quote").And.Contain("Now"));
        var child = steps.Single(s => s.ChildWorkflowId is not null && s.Name.Contains("Pack", StringComparison.Ordinal)).ChildWorkflowId!;
        Assert.That(await (await client.RetrieveWorkflowAsync<List<string>>(child)).GetResultAsync(), Is.EqualTo(new[] { "7-BOOK", "7-LAMP" }));
        var quote = steps.Single(s => s.Name == "Quote");
        Assert.That(quote.GetOutput<decimal>(), Is.EqualTo(7.00m));
        Assert.That((await client.GetEventAsync<Status>(WorkflowId, "status"))?.Stage, Is.EqualTo("shipped"));

        // Again with the same ID: the recorded result, and no step runs again.
        var again = Dotnet.Exec(binary, Path.GetDirectoryName(binary)!, database, WorkflowId);
        Assert.That(again.ExitCode, Is.Zero, again.ToString());
        Assert.That(again.Output, Does.Contain("order 7: quote 7.00, parcels 7-BOOK,7-LAMP, approved"));
        Assert.That((await client.ListWorkflowStepsAsync(WorkflowId)).Count, Is.EqualTo(steps.Count));
    }

    [Test]
    public async Task A_value_of_a_type_without_JSON_metadata_fails_with_the_fix_in_the_message()
    {
        var binary = s_published.Value.Binary;
        var database = await NewDatabaseAsync();

        var run = Dotnet.Exec(binary, Path.GetDirectoryName(binary)!, database, "note-aot", "--unregistered");
        Assert.That(run.ExitCode, Is.Zero, run.ToString());
        Assert.That(run.Output, Does.Contain("not stored: ").And.Contain("[JsonSerializable(typeof(Dbos.Samples.AotDemo.ShipmentNote))]")
            .And.Contain("DbosOptions.JsonTypeInfoResolvers"));

        await using var client = await DbosClient.ConnectAsync(database);
        Assert.That((await client.GetWorkflowStatusAsync("note-aot"))?.Status, Is.EqualTo("ERROR"));
        Assert.That(await client.GetEventAsync<string>("note-aot", "note", TimeSpan.Zero), Is.Null);
    }

    private async Task<string> NewDatabaseAsync()
    {
        var name = "aot_" + Guid.NewGuid().ToString("N")[..12];
        if (engine == "sqlite")
        {
            var directory = Path.Combine(Path.GetTempPath(), "dbos-aot-tests", "sqlite");
            Directory.CreateDirectory(directory);
            return Path.Combine(directory, name + ".sqlite");
        }

        var server = Environment.GetEnvironmentVariable("DBOS_TEST_POSTGRES_URL") is { Length: > 0 } url
            ? new Uri(url)
            : throw new InvalidOperationException(
                "The PostgreSQL tests need a server: run them through scripts/test.sh, or start one with 'bash scripts/postgres.sh start' " +
                "and set DBOS_TEST_POSTGRES_URL=$(bash scripts/postgres.sh url).");
        var user = Uri.UnescapeDataString(server.UserInfo.Split(':')[0]);
        var settings = new NpgsqlConnectionStringBuilder { Host = server.Host, Port = server.Port, Username = user, Database = "postgres", Pooling = false };
        if (server.UserInfo.Contains(':', StringComparison.Ordinal))
        {
            settings.Password = Uri.UnescapeDataString(server.UserInfo[(server.UserInfo.IndexOf(':', StringComparison.Ordinal) + 1)..]);
        }

        await using (var connection = new NpgsqlConnection(settings.ConnectionString))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await create.ExecuteNonQueryAsync();
        }

        return new UriBuilder(server) { Path = "/" + name }.Uri.ToString();
    }
}

/// <summary>Removes the published binary's folder after both engines' fixtures.</summary>
[SetUpFixture]
public sealed class AotArtifacts
{
    [OneTimeTearDown]
    public void RemoveThePublishedFolder()
    {
        if (AotPublishTests.ArtifactsFolder is { } folder && Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
