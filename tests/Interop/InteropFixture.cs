using System;
using System.Text.Json;
using System.Threading.Tasks;
using Dbos.Tests;
using NUnit.Framework;

namespace Dbos.Interop.Tests;

/// <summary>One PostgreSQL database per fixture, shared by the C# runtime under test (in this process) and a DBOS
/// TypeScript 5.3 peer (node/peer.mjs: a launched DBOS app with the TypeScript workflows, and a DBOSClient).
/// The C# runtime migrates the database; DBOS TypeScript launches on it as it finds it. Fixtures run one at a time,
/// so calls outside workflows (<c>DBOS.SendAsync</c>, ...) use this fixture's runtime.</summary>
public abstract class InteropFixture
{
    protected string DatabaseUrl { get; private set; } = "";

    protected DbosRuntime Runtime { get; private set; } = null!;

    protected NodePeer Peer { get; private set; } = null!;

    [OneTimeSetUp]
    public async Task StartBothSides()
    {
        await NodePeer.EnsureInstalledAsync(); // ignores the fixture, with the reason, without Node.js
        DatabaseUrl = await TestDatabases.CreatePostgresDatabaseAsync("interop_" + GetType().Name);
        var options = new DbosOptions
        {
            SystemDatabaseUrl = DatabaseUrl,
            ExecutorId = "dotnet-interop",
            ShutdownTimeout = TimeSpan.Zero,
        };
        Configure(options);
        Runtime = await DbosRuntime.LaunchAsync(options);
        Peer = await NodePeer.StartAsync(DatabaseUrl);
    }

    /// <summary>Changes the C# runtime's options before it launches.</summary>
    protected virtual void Configure(DbosOptions options)
    {
    }

    [OneTimeTearDown]
    public async Task StopBothSides()
    {
        if (Peer is not null)
        {
            await Peer.DisposeAsync();
        }

        if (Runtime is not null)
        {
            await Runtime.DisposeAsync();
        }
    }

    /// <summary>Calls DBOS TypeScript (see peer.mjs for the operations).</summary>
    protected Task<JsonElement> TsAsync(string op, object? arguments = null) => Peer.CallAsync(op, arguments);

    /// <summary>Starts a TypeScript workflow of peer.mjs under the given ID.</summary>
    protected Task<JsonElement> StartTsAsync(string workflow, string workflowId, params object?[] args)
        => Peer.CallAsync("start", new { workflow, workflowId, args });

    protected static async Task<WorkflowHandle<T>> StartCsAsync<T>(string workflowId, Func<Task<T>> workflow)
    {
        using (new SetWorkflowID(workflowId))
        {
            return await DBOS.StartWorkflowAsync(workflow);
        }
    }

    /// <summary>A workflow ID unique to this test.</summary>
    protected static string Id(string suffix) => TestContext.CurrentContext.Test.MethodName + "-" + suffix;
}
