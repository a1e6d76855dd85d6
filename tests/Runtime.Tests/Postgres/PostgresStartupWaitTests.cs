using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using Dbos.SystemDatabase.Postgres;
using Dbos.Tests.Context;
using Microsoft.Extensions.Logging;
using Npgsql;
using NUnit.Framework;

namespace Dbos.Tests.Postgres;

/// <summary>Start-up while PostgreSQL is not up yet (containers started together): the runtime waits for it until
/// <see cref="DbosOptions.ConnectTimeout"/>, logging each wait.</summary>
[TestFixture]
public sealed class PostgresStartupWaitTests
{
    private const string WaitLog = "Cannot reach the DBOS system database";

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static List<string> Waits(CapturingLoggerProvider logs) => logs.Entries.Select(e => e.Message).Where(m => m.StartsWith(WaitLog, StringComparison.Ordinal)).ToList();

    [Test]
    public async Task Nothing_listening_is_retried_until_the_connect_timeout_then_fails_naming_the_server()
    {
        var port = FreePort();
        using var logs = new CapturingLoggerProvider();
        using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(logs));
        var options = new DbosOptions
        {
            SystemDatabaseUrl = $"postgresql://dbos:TopSecret123@127.0.0.1:{port}/dbos_system",
            ConnectTimeout = TimeSpan.FromSeconds(1.5),
            LoggerFactory = loggerFactory,
        };

        var e = await Assert.ThrowsAsync<DbosInitializationException>(async () => await (await DbosRuntime.LaunchAsync(options)).DisposeAsync());

        Assert.That(e!.Message, Does.Contain($"127.0.0.1:{port}").And.Contain("running and reachable").And.Contain("tried for 1.5 s"));
        Assert.That(e.Message, Does.Not.Contain("TopSecret123"));
        var waits = Waits(logs);
        Assert.That(waits, Has.Count.GreaterThanOrEqualTo(2), "each failed attempt before the timeout is followed by a logged wait");
        Assert.That(waits, Has.All.Contain($"127.0.0.1:{port}").And.All.Contain("left of ConnectTimeout").And.All.Not.Contain("TopSecret123"));
    }

    [Test]
    public async Task A_wrong_password_is_not_waited_for()
    {
        var url = await TestDatabases.CreatePostgresDatabaseAsync("pg_nowait");
        var settings = new NpgsqlConnectionStringBuilder(PostgresConnectionStrings.Normalize(url)) { Username = "no_such_user", Password = "pw" };
        using var logs = new CapturingLoggerProvider();
        using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(logs));
        var options = new DbosOptions { SystemDatabaseUrl = settings.ConnectionString, ConnectTimeout = TimeSpan.FromSeconds(30), LoggerFactory = loggerFactory };

        var e = await Assert.ThrowsAsync<DbosInitializationException>(async () => await (await DbosRuntime.LaunchAsync(options)).DisposeAsync());

        Assert.That(e!.Message, Does.Contain("user name and password"));
        Assert.That(Waits(logs), Is.Empty);
    }

    [Test]
    public async Task A_server_that_comes_up_after_start_is_waited_for_and_used()
    {
        var url = await TestDatabases.CreatePostgresDatabaseAsync("pg_late");
        var target = new NpgsqlConnectionStringBuilder(PostgresConnectionStrings.Normalize(url));
        var port = FreePort();
        var late = new NpgsqlConnectionStringBuilder(target.ConnectionString) { Host = "127.0.0.1", Port = port };
        using var logs = new CapturingLoggerProvider();
        using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(logs));
        var options = new DbosOptions { SystemDatabaseUrl = late.ConnectionString, ConnectTimeout = TimeSpan.FromSeconds(60), LoggerFactory = loggerFactory, ShutdownTimeout = TimeSpan.Zero };

        var launch = DbosRuntime.LaunchAsync(options);

        // The server appears only once start-up has been refused at least once (decided from the log, not from timing).
        using (var waited = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            while (Waits(logs).Count == 0)
            {
                Assert.That(launch.IsCompleted, Is.False, () => "start-up ended without waiting: " + launch.Exception?.GetBaseException().Message);
                await Task.Delay(20, waited.Token);
            }
        }

        await using var forwarder = TcpForwarder.Start(port, target.Host!, target.Port);
        await using (var runtime = await launch)
        using (runtime.Use())
        using (new SetWorkflowID("late-server"))
        {
            Assert.That(await BasicWorkflows.ThreeSteps(2), Is.EqualTo("r6"));
        }

        Assert.That(Waits(logs), Has.All.Contain($"127.0.0.1:{port}"));
        Assert.That(forwarder.Accepted, Is.GreaterThan(0), "the runtime reached the server through the late listener");
        Assert.That(await PostgresTestSupport.ScalarAsync<string>(url, "SELECT status FROM dbos.workflow_status WHERE workflow_uuid = 'late-server'"), Is.EqualTo("SUCCESS"));
    }

    /// <summary>A listener that forwards each connection to a server: the server "starting" at a port where nothing listened.</summary>
    private sealed class TcpForwarder : IAsyncDisposable
    {
        private readonly TcpListener _listener;
        private readonly CancellationTokenSource _stop = new();
        private readonly List<TcpClient> _clients = new();
        private readonly Task _accepting;
        private int _accepted;

        private TcpForwarder(int port, string host, int targetPort)
        {
            _listener = new TcpListener(IPAddress.Loopback, port);
            _listener.Start();
            _accepting = AcceptAsync(host, targetPort);
        }

        public int Accepted => Volatile.Read(ref _accepted);

        public static TcpForwarder Start(int port, string host, int targetPort) => new(port, host, targetPort);

        private async Task AcceptAsync(string host, int targetPort)
        {
            try
            {
                while (true)
                {
                    var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                    Interlocked.Increment(ref _accepted);
                    var server = new TcpClient();
                    await server.ConnectAsync(host, targetPort, _stop.Token);
                    lock (_clients)
                    {
                        _clients.Add(client);
                        _clients.Add(server);
                    }

                    _ = PumpAsync(client, server);
                    _ = PumpAsync(server, client);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
            }
        }

        private async Task PumpAsync(TcpClient from, TcpClient to)
        {
            try
            {
                await from.GetStream().CopyToAsync(to.GetStream(), _stop.Token);
                to.Client.Shutdown(SocketShutdown.Send);
            }
            catch (Exception e) when (e is OperationCanceledException or System.IO.IOException or SocketException or ObjectDisposedException)
            {
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            await _accepting;
            lock (_clients)
            {
                foreach (var client in _clients)
                {
                    client.Dispose();
                }
            }

            _stop.Dispose();
        }
    }
}
