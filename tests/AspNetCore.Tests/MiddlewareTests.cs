using System;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NUnit.Framework;

namespace Dbos.AspNetCore.Tests;

public static partial class EchoWorkflows
{
    /// <summary>What the workflow sees of its request and user.</summary>
    [Workflow]
    public static Task<string> Echo()
    {
        var request = DBOS.Request;
        return Task.FromResult(string.Join("|",
            DBOS.WorkflowId,
            DBOS.AuthenticatedUser ?? "-",
            string.Join(",", DBOS.AuthenticatedRoles ?? []),
            request.Method,
            request.PathParams.TryGetValue("name", out var name) ? name : "-",
            request.QueryParams.TryGetValue("q", out var q) ? q : "-",
            request.Cookies.TryGetValue("c", out var c) ? c : "-",
            request.Truncated ? "truncated" : "whole",
            (request.GetHeader("X-Big")?.Length ?? 0).ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }
}

/// <summary>Trusts X-User and X-Groups, with custom claim types (as some identity providers use).</summary>
internal sealed class HeaderAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (Request.Headers["X-User"].ToString() is not { Length: > 0 } user)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var claims = Request.Headers["X-Groups"].ToString().Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(g => new Claim("groups", g))
            .Append(new Claim("preferred_username", user))
            .Append(new Claim(ClaimTypes.Role, "ignored-role-claim"));
        var identity = new ClaimsIdentity(claims, "Header", "name-not-used", "role-not-used");
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), "Header")));
    }
}

/// <summary>The middleware on its own, in a small app on the test server.</summary>
public sealed class MiddlewareTests
{
    private string _database = "";
    private WebApplication _app = null!;
    private HttpClient _client = null!;

    [SetUp]
    public async Task Start()
    {
        _database = Path.Combine(Path.GetTempPath(), "dbos-mw-" + Guid.NewGuid().ToString("N") + ".sqlite");
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Services.AddDbos(o => o.SystemDatabaseUrl = _database).AddDbosAspNetCore(o =>
        {
            o.NameClaimType = "preferred_username";
            o.RoleClaimType = "groups";
        });
        builder.Services.AddAuthentication("Header").AddScheme<AuthenticationSchemeOptions, HeaderAuthenticationHandler>("Header", null);
        _app = builder.Build();
        _app.UseAuthentication();
        _app.UseDbos();
        _app.MapGet("/echo/{name}", async () => await EchoWorkflows.Echo());
        _app.MapGet("/handler", () => DBOS.Request.GetHeader("X-Big")?.Length ?? 0);
        _app.MapGet("/missing", async () => await (await DBOS.RetrieveWorkflowAsync<string>("does-not-exist")).GetResultAsync());
        await _app.StartAsync();
        _client = _app.GetTestClient();
    }

    [TearDown]
    public async Task Stop()
    {
        _client.Dispose();
        await _app.DisposeAsync();
        SqliteConnection.ClearAllPools();
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            File.Delete(_database + suffix);
        }
    }

    private async Task<string?> StoredRequestAsync(string workflowId)
    {
        await using var connection = new SqliteConnection($"Data Source={_database};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT request FROM workflow_status WHERE workflow_uuid = $id";
        command.Parameters.AddWithValue("$id", workflowId);
        return (string?)await command.ExecuteScalarAsync();
    }

    private static HttpRequestMessage Get(string url, string? user = null, string? groups = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (user is not null)
        {
            request.Headers.Add("X-User", user);
        }

        if (groups is not null)
        {
            request.Headers.Add("X-Groups", groups);
        }

        return request;
    }

    [Test]
    public async Task Claims_of_the_configured_types_become_the_user_and_roles_and_the_idempotency_header_the_workflow_ID()
    {
        using var request = Get("/echo/widget?q=blue", "zoe", "ops,dev");
        request.Headers.Add("Cookie", "c=chocolate");
        request.Headers.Add(DbosAspNetCoreOptions.IdempotencyKeyHeader, "echo-1");
        using var response = await _client.SendAsync(request);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        Assert.That(await response.Content.ReadAsStringAsync(), Is.EqualTo("echo-1|zoe|ops,dev|GET|widget|blue|chocolate|whole|0"));

        var stored = JsonDocument.Parse((await StoredRequestAsync("echo-1"))!).RootElement;
        Assert.That(stored.GetProperty("method").GetString(), Is.EqualTo("GET"));
        Assert.That(stored.GetProperty("url").GetString(), Does.EndWith("/echo/widget?q=blue"));
        Assert.That(stored.GetProperty("pathParams").GetProperty("name").GetString(), Is.EqualTo("widget"));
        Assert.That(stored.GetProperty("headers").GetProperty("X-User").GetString(), Is.EqualTo("zoe"));
    }

    [Test]
    public async Task Anonymous_requests_have_no_user_and_an_invalid_idempotency_key_is_a_400()
    {
        using var request = Get("/echo/x");
        request.Headers.Add(DbosAspNetCoreOptions.IdempotencyKeyHeader, "echo-anon");
        using var response = await _client.SendAsync(request);
        Assert.That(await response.Content.ReadAsStringAsync(), Does.StartWith("echo-anon|-||GET|x|"));

        using var invalid = Get("/echo/x");
        invalid.Headers.TryAddWithoutValidation(DbosAspNetCoreOptions.IdempotencyKeyHeader, new string('k', SetWorkflowID.MaxLength + 1));
        using var rejected = await _client.SendAsync(invalid);
        Assert.That(rejected.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await rejected.Content.ReadAsStringAsync(), Does.Contain("at most 1024 characters"));
    }

    [Test]
    public async Task A_huge_header_reaches_the_handler_whole_and_the_workflow_bounded_as_stored()
    {
        var big = new string('b', 300_000);
        using var handler = Get("/handler");
        handler.Headers.Add("X-Big", big);
        using var handled = await _client.SendAsync(handler);
        Assert.That(await handled.Content.ReadAsStringAsync(), Is.EqualTo("300000"));

        using var request = Get("/echo/big", "yan", "ops");
        request.Headers.Add("X-Big", big);
        request.Headers.Add(DbosAspNetCoreOptions.IdempotencyKeyHeader, "echo-big");
        using var response = await _client.SendAsync(request);
        var echoed = (await response.Content.ReadAsStringAsync())!.Split('|');
        Assert.That(echoed[7], Is.EqualTo("truncated"), "the workflow sees the stored, truncated request");
        Assert.That(int.Parse(echoed[8], System.Globalization.CultureInfo.InvariantCulture), Is.LessThan(DbosRequest.MaxStoredValueLength + 64));

        var stored = (await StoredRequestAsync("echo-big"))!;
        Assert.That(System.Text.Encoding.UTF8.GetByteCount(stored), Is.LessThanOrEqualTo(DbosRequest.MaxStoredBytes));
        Assert.That(stored, Does.Contain("[truncated by DBOS: " + (300_000 - DbosRequest.MaxStoredValueLength) + " more characters]"));
    }

    [Test]
    public async Task A_DBOS_error_becomes_a_JSON_answer_with_its_code()
    {
        using var response = await _client.SendAsync(Get("/missing"));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.That(body.GetProperty("dbos_error_code").GetInt32(), Is.EqualTo((int)DbosErrorCode.NonExistentWorkflow));
        Assert.That(body.GetProperty("message").GetString(), Does.Contain("does-not-exist"));
    }
}
