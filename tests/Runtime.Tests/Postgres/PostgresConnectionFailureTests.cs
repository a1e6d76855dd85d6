using System;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;
using Npgsql;
using NUnit.Framework;
using static Dbos.Tests.Postgres.PostgresTestSupport;

namespace Dbos.Tests.Postgres;

/// <summary>Start-up against a server that cannot be used fails fast with a message that says what to check.</summary>
[TestFixture]
public sealed class PostgresConnectionFailureTests
{
    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [Test]
    public async Task Closed_port_fails_after_the_connect_timeout_naming_the_server_and_not_the_password()
    {
        var port = ClosedPort();
        var options = new DbosOptions { ConnectTimeout = TimeSpan.FromSeconds(1) };
        var e = await Assert.ThrowsAsync<DbosInitializationException>(async () =>
        {
            await using var db = NewSystemDatabase($"postgresql://dbos:TopSecret123@127.0.0.1:{port}/dbos_system", options);
            await db.MigrateAsync(default);
        });

        Assert.That(e!.Message, Does.Contain($"127.0.0.1:{port}").And.Contain("dbos_system").And.Contain("'dbos'"));
        Assert.That(e.Message, Does.Contain("running and reachable"));
        Assert.That(e.Message, Does.Not.Contain("TopSecret123"));
        Assert.That(e.ErrorCode, Is.EqualTo(DbosErrorCode.Initialization));
        Assert.That(e.InnerException, Is.InstanceOf<NpgsqlException>());
    }

    [Test]
    public async Task Server_that_never_answers_fails_within_the_connect_timeout()
    {
        // A socket that accepts connections and never speaks: the client waits for the server's first message.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        var options = new DbosOptions { ConnectTimeout = TimeSpan.FromSeconds(2) };
        var stopwatch = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<DbosInitializationException>(async () =>
        {
            await using var db = NewSystemDatabase($"postgresql://dbos:pw@127.0.0.1:{port}/dbos_system", options);
            await db.MigrateAsync(default);
        });

        Assert.That(stopwatch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(6)));
        Assert.That(e!.Message, Does.Contain($"127.0.0.1:{port}").And.Contain("no answer within 2 s"));
    }

    [Test]
    public async Task Unknown_user_fails_with_an_authentication_hint()
    {
        // The test cluster trusts every local connection, so a user that does not exist is the credential error it can produce.
        var url = await TestDatabases.CreatePostgresDatabaseAsync("pg_auth");
        var builder = new NpgsqlConnectionStringBuilder(Dbos.SystemDatabase.Postgres.PostgresConnectionStrings.Normalize(url)) { Username = "no_such_user", Password = "pw" };
        var e = await Assert.ThrowsAsync<DbosInitializationException>(async () =>
        {
            await using var db = NewSystemDatabase(builder.ConnectionString);
            await db.MigrateAsync(default);
        });

        Assert.That(e!.Message, Does.Contain("no_such_user"));
        Assert.That(e.Message, Does.Contain("user name and password"));
    }

    [Test]
    public async Task Cancellation_by_the_caller_is_not_reported_as_a_connection_failure()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        var options = new DbosOptions { ConnectTimeout = TimeSpan.FromSeconds(30) };
        using var cancel = new System.Threading.CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        await Assert.CatchAsync<OperationCanceledException>(async () =>
        {
            await using var db = NewSystemDatabase($"postgresql://dbos:pw@127.0.0.1:{port}/dbos_system", options);
            await db.MigrateAsync(cancel.Token);
        });
    }

    [Test]
    public async Task Calls_after_start_surface_Npgsql_errors_the_caller_can_classify()
    {
        var port = ClosedPort();
        await using var db = NewSystemDatabase($"postgresql://u@127.0.0.1:{port}/d");
        var e = await Assert.CatchAsync<NpgsqlException>(() => db.GetWorkflowStatusAsync("wf", false, default));
        Assert.That(e!.IsTransient, Is.True);
    }
}
