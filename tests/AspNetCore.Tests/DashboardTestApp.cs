using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Security.Claims;
using System.Text.Encodings.Web;
using System.Threading.Tasks;
using Dbos.AspNetCore.Dashboard;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Dbos.AspNetCore.Tests;

/// <summary>Workflows the dashboard tests look at: one with a large output, a step, an event and a child; one that waits for a
/// message; one that fails.</summary>
public static partial class DashboardTestWorkflows
{
    [Workflow]
    public static async Task<string> Report(int size)
    {
        var body = await Render(size);
        await DBOS.SetEventAsync("progress", "rendered");
        var summary = await Summarize(size);
        return body + summary;
    }

    [Step]
    private static Task<string> Render(int size) => Task.FromResult(new string('r', size));

    [Workflow]
    public static Task<string> Summarize(int size) => Task.FromResult($"|{size} characters");

    [Workflow]
    public static async Task<string> AwaitDecision()
    {
        await DBOS.SetEventAsync("status", "waiting");
        return await DBOS.RecvAsync<string>("decision", TimeSpan.FromHours(1)) ?? "no decision";
    }

    [Workflow]
    public static async Task<string> Explode()
    {
        await Fail();
        return "unreachable";
    }

    [Workflow]
    public static Task NightlyReport(DateTimeOffset scheduledTime, string? context) => Task.CompletedTask;

    [Step]
    private static Task Fail() => throw new InvalidOperationException("the report service is down");
}

/// <summary>Trusts X-Test-User and X-Test-Roles (comma-separated); X-Test-Remote sets the caller's address, as a real
/// connection would.</summary>
internal sealed class TestHeaderAuthentication(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "TestHeader";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (Request.Headers["X-Test-User"].ToString() is not { Length: > 0 } user)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var claims = Request.Headers["X-Test-Roles"].ToString().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(r => new Claim(ClaimTypes.Role, r)).Prepend(new Claim(ClaimTypes.Name, user));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName)), SchemeName)));
    }
}

/// <summary>Collects the audit entries the dashboard writes.</summary>
internal sealed class AuditLog : ILoggerProvider
{
    public ConcurrentQueue<string> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName == DashboardEndpoints.AuditCategory ? Entries : null);

    public void Dispose()
    {
    }

    private sealed class Logger(ConcurrentQueue<string>? entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => entries is not null;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            => entries?.Enqueue($"{logLevel}: {formatter(state, exception)}");
    }
}

/// <summary>A fresh system database per test: a SQLite file, or a new database on the PostgreSQL server of scripts/test.sh.</summary>
internal sealed class TestSystemDatabase
{
    private readonly string? _postgresServer;
    private readonly string _name;

    private TestSystemDatabase(string url, string? postgresServer, string name)
    {
        Url = url;
        _postgresServer = postgresServer;
        _name = name;
    }

    public string Url { get; }

    public static TestSystemDatabase Create(string engine)
    {
        var name = "dbos_dash_" + Guid.NewGuid().ToString("N")[..16];
        if (engine != "postgres")
        {
            var directory = Path.Combine(Path.GetTempPath(), "dbos-tests", "dashboard");
            Directory.CreateDirectory(directory);
            return new TestSystemDatabase(Path.Combine(directory, name + ".sqlite"), null, name);
        }

        var server = Environment.GetEnvironmentVariable("DBOS_TEST_POSTGRES_URL") is { Length: > 0 } url && url.Contains("://", StringComparison.Ordinal)
            ? url
            : throw new InvalidOperationException(
                "The PostgreSQL tests need a server URL (postgresql://...): run them through scripts/test.sh, or start one with 'bash scripts/postgres.sh start' " +
                "and set DBOS_TEST_POSTGRES_URL=$(bash scripts/postgres.sh url).");
        // The runtime creates the database at its start.
        return new TestSystemDatabase(new UriBuilder(server) { Path = "/" + name }.Uri.ToString(), server, name);
    }

    public async Task DropAsync()
    {
        if (_postgresServer is null)
        {
            SqliteConnection.ClearAllPools();
            foreach (var suffix in new[] { "", "-wal", "-shm" })
            {
                File.Delete(Url + suffix);
            }

            return;
        }

        var uri = new Uri(_postgresServer);
        var user = uri.UserInfo.Split(':');
        var settings = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host,
            Port = uri.Port > 0 ? uri.Port : 5432,
            Username = Uri.UnescapeDataString(user[0]),
            Password = user.Length > 1 ? Uri.UnescapeDataString(user[1]) : null,
            Database = "postgres",
            Pooling = false,
        };
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(settings.ConnectionString);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_name}\" WITH (FORCE)", connection) { CommandTimeout = 300 };
        await drop.ExecuteNonQueryAsync();
    }
}

/// <summary>A small app on the test server with the dashboard at /dbos, configured per test.</summary>
internal static class DashboardTestApp
{
    public static async Task<WebApplication> StartAsync(string systemDatabaseUrl, AuditLog audit, Action<DbosDashboardOptions> configure, bool authorization = true)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(audit);
        builder.Services.AddDbos(o =>
        {
            o.SystemDatabaseUrl = systemDatabaseUrl;
            o.AddQueue(new WorkflowQueue("reports") { Concurrency = 3, WorkerConcurrency = 2, RateLimit = new QueueRateLimit(20, TimeSpan.FromSeconds(10)) });
        }).AddDbosAspNetCore();
        builder.Services.AddAuthentication(TestHeaderAuthentication.SchemeName).AddScheme<AuthenticationSchemeOptions, TestHeaderAuthentication>(TestHeaderAuthentication.SchemeName, null);
        if (authorization)
        {
            builder.Services.AddAuthorization(a => a.AddPolicy("dashboard", p => p.RequireRole("ops")));
        }

        var app = builder.Build();
        app.Use((context, next) =>
        {
            if (context.Request.Headers["X-Test-Remote"].ToString() is { Length: > 0 } remote)
            {
                context.Connection.RemoteIpAddress = IPAddress.Parse(remote);
            }

            return next(context);
        });
        app.UseAuthentication();
        app.UseDbos();
        app.MapDbosDashboard("/dbos", configure);
        await app.StartAsync();
        return app;
    }

    public static IEnumerable<string> Lines(this AuditLog audit) => audit.Entries.ToArray();
}
