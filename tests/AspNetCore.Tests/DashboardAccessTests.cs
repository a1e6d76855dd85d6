using System;
using System.Net;
using System.Net.Http;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;

namespace Dbos.AspNetCore.Tests;

/// <summary>Who may open the dashboard: nobody without a policy, the policy's users, and anonymous callers on this machine
/// only when the app says so.</summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public sealed class DashboardAccessTests(string engine)
{
    private TestSystemDatabase _database = null!;
    private WebApplication? _app;

    [SetUp]
    public void CreateDatabase() => _database = TestSystemDatabase.Create(engine);

    [TearDown]
    public async Task Stop()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        await _database.DropAsync();
    }

    private async Task<HttpClient> StartAsync(Action<Dbos.AspNetCore.DbosDashboardOptions> configure)
    {
        _app = await DashboardTestApp.StartAsync(_database.Url, new AuditLog(), configure);
        return _app.GetTestClient();
    }

    private static async Task<(HttpStatusCode Status, string Body)> SendAsync(HttpClient client, HttpMethod method, string url, string? user = null, string? roles = null, string? remote = null, bool forwarded = false)
    {
        using var request = new HttpRequestMessage(method, url);
        if (user is not null)
        {
            request.Headers.Add("X-Test-User", user);
        }

        if (roles is not null)
        {
            request.Headers.Add("X-Test-Roles", roles);
        }

        if (remote is not null)
        {
            request.Headers.Add("X-Test-Remote", remote);
        }

        if (forwarded)
        {
            request.Headers.Add("X-Forwarded-For", "203.0.113.9");
        }

        if (method == HttpMethod.Post)
        {
            request.Headers.Add("X-Dbos-Dashboard", "1");
        }

        using var response = await client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [Test]
    public async Task Without_a_policy_every_request_is_refused_with_how_to_configure_one()
    {
        using var client = await StartAsync(_ => { });
        foreach (var url in new[] { "/dbos/", "/dbos/api/workflows", "/dbos/dashboard.js" })
        {
            var (status, body) = await SendAsync(client, HttpMethod.Get, url, "olga", "ops", remote: "127.0.0.1");
            Assert.That(status, Is.EqualTo(HttpStatusCode.Forbidden), url);
            Assert.That(body, Does.Contain("AuthorizationPolicy").And.Contain("AllowAnonymousOnLocalhost"), url);
        }
    }

    [Test]
    public async Task Anonymous_callers_get_in_only_from_loopback_without_proxy_headers_when_allowed()
    {
        using var client = await StartAsync(o => o.AllowAnonymousOnLocalhost = true);
        Assert.That((await SendAsync(client, HttpMethod.Get, "/dbos/api/workflows", remote: "127.0.0.1")).Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await SendAsync(client, HttpMethod.Get, "/dbos/api/workflows", remote: "::1")).Status, Is.EqualTo(HttpStatusCode.OK));
        var remote = await SendAsync(client, HttpMethod.Get, "/dbos/api/workflows", remote: "198.51.100.7");
        Assert.That(remote.Status, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(remote.Body, Does.Contain("did not come from this machine"));
        Assert.That((await SendAsync(client, HttpMethod.Get, "/dbos/api/workflows", remote: "127.0.0.1", forwarded: true)).Status, Is.EqualTo(HttpStatusCode.Forbidden),
            "a request a proxy forwarded is not local");
        Assert.That((await SendAsync(client, HttpMethod.Get, "/dbos/api/workflows")).Status, Is.EqualTo(HttpStatusCode.Forbidden), "an unknown address is not local");
    }

    [Test]
    public async Task With_a_policy_only_its_users_get_in_and_others_change_nothing()
    {
        using var client = await StartAsync(o => o.AuthorizationPolicy = "dashboard");
        var runtime = _app!.Services.GetRequiredService<DbosRuntime>();
        using (runtime.Use())
        using (new SetWorkflowID("waiting-access"))
        {
            await DBOS.StartWorkflowAsync(() => DashboardTestWorkflows.AwaitDecision());
        }

        Assert.That((await SendAsync(client, HttpMethod.Get, "/dbos/api/workflows", remote: "127.0.0.1")).Status, Is.EqualTo(HttpStatusCode.Unauthorized),
            "anonymous, even on loopback: challenged by the app's scheme");
        var refused = await SendAsync(client, HttpMethod.Get, "/dbos/api/workflows", "mallory", "customer");
        Assert.That(refused.Status, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(refused.Body, Does.Contain("mallory").And.Contain("'dashboard'"));
        var action = await SendAsync(client, HttpMethod.Post, "/dbos/api/workflows/waiting-access/cancel", "mallory", "customer");
        Assert.That(action.Status, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That((await runtime.GetWorkflowStatusAsync("waiting-access"))!.Status, Is.Not.EqualTo(WorkflowStatuses.Cancelled));

        Assert.That((await SendAsync(client, HttpMethod.Get, "/dbos/api/workflows", "olga", "ops")).Status, Is.EqualTo(HttpStatusCode.OK));
        var cancelled = await SendAsync(client, HttpMethod.Post, "/dbos/api/workflows/waiting-access/cancel", "olga", "ops");
        Assert.That(cancelled.Status, Is.EqualTo(HttpStatusCode.OK), cancelled.Body);
        Assert.That((await runtime.GetWorkflowStatusAsync("waiting-access"))!.Status, Is.EqualTo(WorkflowStatuses.Cancelled));
    }

    [Test]
    public async Task A_policy_with_anonymous_localhost_admits_both()
    {
        using var client = await StartAsync(o =>
        {
            o.AuthorizationPolicy = "dashboard";
            o.AllowAnonymousOnLocalhost = true;
        });
        Assert.That((await SendAsync(client, HttpMethod.Get, "/dbos/api/info", remote: "127.0.0.1")).Body, Does.Contain("\"user\":\"anonymous\""));
        Assert.That((await SendAsync(client, HttpMethod.Get, "/dbos/api/info", "olga", "ops", remote: "198.51.100.7")).Body, Does.Contain("\"user\":\"olga\""));
        Assert.That((await SendAsync(client, HttpMethod.Get, "/dbos/api/info", "mallory", "customer", remote: "198.51.100.7")).Status, Is.EqualTo(HttpStatusCode.Forbidden));
    }

    [Test]
    public async Task The_page_and_its_assets_are_served_from_the_assembly_with_a_strict_content_policy()
    {
        using var client = await StartAsync(o => o.AuthorizationPolicy = "dashboard");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/dbos");
        request.Headers.Add("X-Test-User", "olga");
        request.Headers.Add("X-Test-Roles", "ops");
        using var redirect = await client.SendAsync(request);
        Assert.That(redirect.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        Assert.That(redirect.Headers.Location!.ToString(), Is.EqualTo("/dbos/"));

        client.DefaultRequestHeaders.Add("X-Test-User", "olga");
        client.DefaultRequestHeaders.Add("X-Test-Roles", "ops");
        using var page = await client.GetAsync("/dbos/");
        Assert.That(page.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(page.Content.Headers.ContentType!.MediaType, Is.EqualTo("text/html"));
        var html = await page.Content.ReadAsStringAsync();
        Assert.That(html, Does.Contain("<script src=\"dashboard.js\"").And.Contain("dashboard.css"));
        Assert.That(html, Does.Not.Contain("http://").And.Not.Contain("https://"), "no CDN");
        Assert.That(string.Join(";", page.Headers.GetValues("Content-Security-Policy")), Does.Contain("default-src 'none'").And.Contain("frame-ancestors 'none'"));

        using var script = await client.GetAsync("/dbos/dashboard.js");
        Assert.That(script.Content.Headers.ContentType!.MediaType, Is.EqualTo("text/javascript"));
        Assert.That(await script.Content.ReadAsStringAsync(), Does.Contain("X-Dbos-Dashboard"));
        using var style = await client.GetAsync("/dbos/dashboard.css");
        Assert.That(style.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task Bad_options_fail_at_mapping_with_what_to_change()
    {
        var tooSmall = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => DashboardTestApp.StartAsync(_database.Url, new AuditLog(), o => o.MaxValueLength = 10));
        Assert.That(tooSmall!.Message, Does.Contain("MaxValueLength must be at least 100"));
        var fast = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => DashboardTestApp.StartAsync(_database.Url, new AuditLog(), o => o.RefreshInterval = TimeSpan.FromMilliseconds(10)));
        Assert.That(fast!.Message, Does.Contain("RefreshInterval"));
    }
}
