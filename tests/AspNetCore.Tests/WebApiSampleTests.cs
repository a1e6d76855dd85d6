using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Http.Json;
using System.Text.Json;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;
using OpenTelemetry.Trace;

namespace Dbos.AspNetCore.Tests;

/// <summary>The web sample (samples/WebApi) run in-process: authenticated requests start workflows that see their user
/// and request, events are queried over HTTP, and traces link the request span to the workflow and its steps.</summary>
public sealed class WebApiSampleTests
{
    private string _database = "";
    private List<Activity> _exported = new();
    private WebApplicationFactory<Program> _factory = null!;

    [SetUp]
    public void Start()
    {
        _database = Path.Combine(Path.GetTempPath(), "dbos-webapi-" + Guid.NewGuid().ToString("N") + ".sqlite");
        _exported = new List<Activity>();
        var exported = _exported;
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseSetting("Dbos:SystemDatabaseUrl", _database);
            web.UseSetting("Tracing:Console", "false");
            web.ConfigureServices(services => services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(exported)));
        });
    }

    [TearDown]
    public async Task Stop()
    {
        await _factory.DisposeAsync();
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            File.Delete(_database + suffix);
        }
    }

    private HttpClient Client(string? user = null, string? roles = null)
    {
        var client = _factory.CreateClient();
        if (user is not null)
        {
            client.DefaultRequestHeaders.Add("X-Demo-User", user);
        }

        if (roles is not null)
        {
            client.DefaultRequestHeaders.Add("X-Demo-Roles", roles);
        }

        return client;
    }

    private async Task<JsonElement> WaitForEventAsync(HttpClient client, string workflowId, string key, string value)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            using var response = await client.GetAsync($"/workflows/{workflowId}/events/{key}?timeoutSeconds=1");
            if (response.StatusCode == HttpStatusCode.OK)
            {
                var body = await response.Content.ReadFromJsonAsync<JsonElement>();
                if (body.GetProperty("value").GetString() == value)
                {
                    return body;
                }
            }

            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), $"event {key} of {workflowId} never became {value}");
        }
    }

    [Test]
    public async Task An_authenticated_request_starts_a_workflow_that_sees_its_user_and_request_and_publishes_events()
    {
        using var client = Client("alice", "customer");
        using var posted = await client.PostAsync("/orders/42", null);
        Assert.That(posted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        Assert.That((await posted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("workflowId").GetString(), Is.EqualTo("order-42"));

        await WaitForEventAsync(client, "order-42", "status", "paid");
        var result = await client.GetFromJsonAsync<JsonElement>("/workflows/order-42/result");
        Assert.That(result.GetProperty("result").GetString(), Is.EqualTo("order 42 for alice: reservation R-42, paid"));

        var status = await client.GetFromJsonAsync<JsonElement>("/workflows/order-42");
        Assert.That(status.GetProperty("status").GetString(), Is.EqualTo("SUCCESS"));
        Assert.That(status.GetProperty("authenticatedUser").GetString(), Is.EqualTo("alice"));
        Assert.That(status.GetProperty("assumedRole").GetString(), Is.EqualTo("customer"));

        // Posting again joins the same workflow: it ran once.
        using var again = await client.PostAsync("/orders/42", null);
        Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        using var missing = await client.GetAsync("/workflows/order-42/events/nothing");
        Assert.That(missing.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task The_request_span_is_the_parent_of_the_workflow_span_whose_children_are_its_steps()
    {
        using var client = Client("bob", "admin");
        using (await client.PostAsync("/orders/7", null))
        {
        }

        await WaitForEventAsync(client, "order-7", "status", "paid");
        await client.GetFromJsonAsync<JsonElement>("/workflows/order-7/result");
        var provider = _factory.Services.GetRequiredService<TracerProvider>();
        provider.ForceFlush();

        List<Activity> spans;
        lock (_exported)
        {
            spans = _exported.ToList();
        }

        var workflow = spans.Single(a => a.Source.Name == DbosInstrumentation.ActivitySourceName && a.DisplayName == "PlaceOrder");
        Assert.That(workflow.GetTagItem("operationUUID"), Is.EqualTo("order-7"));
        Assert.That(workflow.GetTagItem("operationType"), Is.EqualTo("workflow"));
        Assert.That(workflow.GetTagItem("authenticatedUser"), Is.EqualTo("bob"));
        Assert.That(workflow.GetTagItem("authenticatedUserAssumedRole"), Is.EqualTo("admin"));
        Assert.That(workflow.GetTagItem("dbos.outcome"), Is.EqualTo("success"));
        var request = spans.Single(a => a.SpanId == workflow.ParentSpanId);
        Assert.That(request.Source.Name, Is.EqualTo("Microsoft.AspNetCore"));
        Assert.That(request.GetTagItem("authenticatedUser"), Is.EqualTo("bob"), "the middleware tags the request span");

        var steps = spans.Where(a => a.ParentSpanId == workflow.SpanId && (string?)a.GetTagItem("operationType") == "step").ToList();
        Assert.That(steps.Select(s => s.DisplayName), Is.EquivalentTo(new[] { "Reserve", "Charge" }));
        Assert.That(steps.Single(s => s.DisplayName == "Reserve").GetTagItem("order.id"), Is.EqualTo(7), "DBOS.Span in a step is the step's span");
        Assert.That(steps.Single(s => s.DisplayName == "Charge").GetTagItem("dbos.function_id"), Is.EqualTo(3));
    }

    [Test]
    public async Task Callers_without_the_required_role_get_403_and_no_workflow_starts()
    {
        using var anonymous = Client();
        using var denied = await anonymous.PostAsync("/orders/43", null);
        Assert.That(denied.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        var body = await denied.Content.ReadFromJsonAsync<JsonElement>();
        Assert.That(body.GetProperty("dbos_error_code").GetInt32(), Is.EqualTo(8));
        Assert.That(body.GetProperty("dbos_error").GetString(), Is.EqualTo("NotAuthorizedException"));
        Assert.That(body.GetProperty("message").GetString(), Does.Contain("customer, admin"));

        using var guest = Client("mallory", "guest");
        using var wrongRole = await guest.PostAsync("/orders/44", null);
        Assert.That(wrongRole.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));

        foreach (var id in new[] { "order-43", "order-44" })
        {
            using var status = await anonymous.GetAsync("/workflows/" + id);
            Assert.That(status.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), id);
        }
    }

    [Test]
    public async Task Handlers_see_the_user_roles_and_request()
    {
        using var client = Client("carol", "customer, auditor");
        var whoami = await client.GetFromJsonAsync<JsonElement>("/whoami?x=1");
        Assert.That(whoami.GetProperty("user").GetString(), Is.EqualTo("carol"));
        Assert.That(whoami.GetProperty("roles").EnumerateArray().Select(r => r.GetString()), Is.EqualTo(new[] { "customer", "auditor" }));
        Assert.That(whoami.GetProperty("method").GetString(), Is.EqualTo("GET"));
        Assert.That(whoami.GetProperty("url").GetString(), Does.EndWith("/whoami?x=1"));
        Assert.That(whoami.GetProperty("executor").GetString(), Is.EqualTo("local"));
    }
}
