using System;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;

namespace Dbos.AspNetCore.Tests;

/// <summary>The JSON the dashboard's page reads and the actions it posts, on a SQLite file and on PostgreSQL.</summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public sealed class DashboardApiTests(string engine)
{
    private TestSystemDatabase _database = null!;
    private AuditLog _audit = null!;
    private WebApplication _app = null!;
    private HttpClient _client = null!;
    private DbosRuntime _runtime = null!;

    [SetUp]
    public async Task Start()
    {
        _database = TestSystemDatabase.Create(engine);
        _audit = new AuditLog();
        _app = await DashboardTestApp.StartAsync(_database.Url, _audit, o => o.AuthorizationPolicy = "dashboard");
        _runtime = _app.Services.GetRequiredService<DbosRuntime>();
        _client = _app.GetTestClient();
        _client.DefaultRequestHeaders.Add("X-Test-User", "olga");
        _client.DefaultRequestHeaders.Add("X-Test-Roles", "ops");
    }

    [TearDown]
    public async Task Stop()
    {
        // Workflows still waiting would hold the shutdown for its grace period.
        foreach (var waiting in await _runtime.ListWorkflowsAsync(new WorkflowFilter { Statuses = [WorkflowStatuses.Pending], LoadInput = false, LoadOutput = false }))
        {
            await _runtime.CancelWorkflowAsync(waiting.WorkflowId);
        }

        _client.Dispose();
        await _app.DisposeAsync();
        await _database.DropAsync();
    }

    private async Task<string> StartAsync(string id, Func<Task<string>> workflow)
    {
        using (_runtime.Use())
        using (new SetWorkflowID(id))
        {
            return (await DBOS.StartWorkflowAsync(workflow)).WorkflowId;
        }
    }

    /// <summary>Waits (bounded) until the database shows the workflow in one of <paramref name="statuses"/>.</summary>
    private async Task<WorkflowStatus> WaitForStatusAsync(string id, params string[] statuses)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var status = await _runtime.GetWorkflowStatusAsync(id);
            if (status is not null && statuses.Contains(status.Status))
            {
                return status;
            }

            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), $"{id} is {status?.Status ?? "missing"}, never {string.Join(" or ", statuses)}");
            await Task.Delay(50);
        }
    }

    /// <summary>Waits (bounded) until the database holds the workflow's event, read through the dashboard's own API.</summary>
    private async Task WaitForEventAsync(string id, string key)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            using var response = await _client.GetAsync($"/dbos/api/workflows/{id}/events");
            if (response.StatusCode == HttpStatusCode.OK
                && (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("events").EnumerateArray().Any(e => e.GetProperty("key").GetString() == key))
            {
                return;
            }

            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), $"{id} never set event {key}");
            await Task.Delay(50);
        }
    }

    private async Task<JsonElement> GetJsonAsync(string url)
    {
        using var response = await _client.GetAsync(url);
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static string[] Ids(JsonElement page) => page.GetProperty("workflows").EnumerateArray().Select(w => w.GetProperty("workflowId").GetString()!).ToArray();

    private Task<HttpResponseMessage> PostActionAsync(string url, object? body = null, bool header = true)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(body ?? new { }) };
        if (header)
        {
            request.Headers.Add("X-Dbos-Dashboard", "1");
        }

        return _client.SendAsync(request);
    }

    private void AssertAudited(string action, string workflowId)
    {
        var lines = _audit.Lines().ToArray();
        Assert.That(lines.Any(l => l.Contains($"olga did {action} on workflow {workflowId}", StringComparison.Ordinal)), Is.True, string.Join("\n", lines));
    }

    [Test]
    public async Task The_list_filters_by_status_name_and_id_prefix_newest_first_and_pages_on_the_server()
    {
        foreach (var n in new[] { 1, 2, 3 })
        {
            await StartAsync($"report-{n}", () => DashboardTestWorkflows.Report(10 * n));
            await WaitForStatusAsync($"report-{n}", WorkflowStatuses.Success);
        }

        await StartAsync("broken-1", () => DashboardTestWorkflows.Explode());
        await StartAsync("waiting-1", () => DashboardTestWorkflows.AwaitDecision());
        await WaitForStatusAsync("broken-1", WorkflowStatuses.Error);
        await WaitForEventAsync("waiting-1", "status");

        var errors = await GetJsonAsync("/dbos/api/workflows?status=ERROR");
        Assert.That(Ids(errors), Is.EqualTo(new[] { "broken-1" }));
        var byName = await GetJsonAsync("/dbos/api/workflows?name=Report&status=SUCCESS");
        Assert.That(Ids(byName), Is.EqualTo(new[] { "report-3", "report-2", "report-1" }), "newest first");
        var pending = (await GetJsonAsync("/dbos/api/workflows?status=pending,ENQUEUED")).GetProperty("workflows").EnumerateArray().Single();
        Assert.That(pending.GetProperty("workflowId").GetString(), Is.EqualTo("waiting-1"));
        Assert.That(pending.GetProperty("status").GetString(), Is.EqualTo("PENDING"));
        Assert.That(pending.GetProperty("otherVersion").GetBoolean(), Is.False);

        var first = await GetJsonAsync("/dbos/api/workflows?prefix=report-&name=Report&limit=2");
        Assert.That(Ids(first), Is.EqualTo(new[] { "report-3", "report-2" }));
        Assert.That(first.GetProperty("hasMore").GetBoolean(), Is.True);
        var second = await GetJsonAsync("/dbos/api/workflows?prefix=report-&name=Report&limit=2&offset=2");
        Assert.That(Ids(second), Is.EqualTo(new[] { "report-1" }));
        Assert.That(second.GetProperty("hasMore").GetBoolean(), Is.False);

        var created = (await _runtime.GetWorkflowStatusAsync("report-2"))!.CreatedAt;
        var window = await GetJsonAsync($"/dbos/api/workflows?prefix=report-&name=Report&from={Uri.EscapeDataString(created.ToString("O"))}&to={Uri.EscapeDataString(created.ToString("O"))}");
        Assert.That(Ids(window), Is.EqualTo(new[] { "report-2" }), "the time bounds are inclusive");
        Assert.That(Ids(await GetJsonAsync("/dbos/api/workflows?app=another-application")), Is.Empty, "only that application's workflows");
        var all = await GetJsonAsync("/dbos/api/workflows?name=Summarize");
        Assert.That(all.GetProperty("workflows").EnumerateArray().Select(w => w.GetProperty("parentWorkflowId").GetString()), Is.EquivalentTo(new[] { "report-1", "report-2", "report-3" }));
    }

    [Test]
    public async Task Bad_filters_get_400_with_what_to_send()
    {
        foreach (var (query, expected) in new[]
        {
            ("status=DONE", "'DONE' is not a workflow status"),
            ("limit=0", "limit: '0' is not a whole number from 1 to 500"),
            ("offset=-1", "offset"),
            ("from=yesterday", "use ISO 8601"),
        })
        {
            using var response = await _client.GetAsync("/dbos/api/workflows?" + query);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), query);
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.That(body.GetProperty("error").GetString(), Does.Contain(expected), query);
        }

        using var missing = await _client.GetAsync("/dbos/api/workflows/no-such-workflow");
        Assert.That(missing.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        using var missingSteps = await _client.GetAsync("/dbos/api/workflows/no-such-workflow/steps");
        Assert.That(missingSteps.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task One_workflow_shows_its_values_cut_at_the_limit_with_the_whole_on_demand_its_steps_child_events_and_messages()
    {
        await StartAsync("report-big", () => DashboardTestWorkflows.Report(5000));
        await WaitForStatusAsync("report-big", WorkflowStatuses.Success);
        await StartAsync("waiting-2", () => DashboardTestWorkflows.AwaitDecision());
        await WaitForEventAsync("waiting-2", "status");

        var detail = await GetJsonAsync("/dbos/api/workflows/report-big");
        Assert.That(detail.GetProperty("workflow").GetProperty("status").GetString(), Is.EqualTo("SUCCESS"));
        Assert.That(detail.GetProperty("workflow").GetProperty("name").GetString(), Is.EqualTo("Report"));
        var output = detail.GetProperty("output");
        var expected = JsonSerializer.Serialize(new string('r', 5000) + "|5000 characters");
        Assert.That(output.GetProperty("truncated").GetBoolean(), Is.True);
        Assert.That(output.GetProperty("length").GetInt32(), Is.EqualTo(expected.Length));
        Assert.That(output.GetProperty("text").GetString(), Has.Length.EqualTo(2000));
        Assert.That(output.GetProperty("json").GetBoolean(), Is.True);
        Assert.That(detail.GetProperty("input").GetProperty("text").GetString(), Does.Contain("5000"));
        Assert.That(detail.GetProperty("canCancel").GetBoolean(), Is.False);
        Assert.That(detail.GetProperty("canResume").GetBoolean(), Is.False);
        Assert.That(detail.GetProperty("children").EnumerateArray().Single().GetProperty("name").GetString(), Is.EqualTo("Summarize"));

        var whole = await GetJsonAsync("/dbos/api/workflows/report-big?full=true");
        Assert.That(whole.GetProperty("output").GetProperty("truncated").GetBoolean(), Is.False);
        Assert.That(whole.GetProperty("output").GetProperty("text").GetString(), Is.EqualTo(expected));

        var steps = (await GetJsonAsync("/dbos/api/workflows/report-big/steps")).EnumerateArray().ToArray();
        Assert.That(steps.Select(s => s.GetProperty("functionId").GetInt32()), Is.EqualTo(Enumerable.Range(0, steps.Length)));
        Assert.That(steps[0].GetProperty("name").GetString(), Is.EqualTo("Render"));
        Assert.That(steps[0].GetProperty("output").GetProperty("truncated").GetBoolean(), Is.True);
        var child = steps.Single(s => s.GetProperty("childWorkflowId").ValueKind == JsonValueKind.String);
        Assert.That(child.GetProperty("childWorkflowId").GetString(), Is.EqualTo(detail.GetProperty("children")[0].GetProperty("workflowId").GetString()));
        var wholeSteps = (await GetJsonAsync("/dbos/api/workflows/report-big/steps?full=true")).EnumerateArray().ToArray();
        Assert.That(wholeSteps[0].GetProperty("output").GetProperty("text").GetString(), Is.EqualTo(JsonSerializer.Serialize(new string('r', 5000))));

        var events = await GetJsonAsync("/dbos/api/workflows/report-big/events");
        var progress = events.GetProperty("events").EnumerateArray().Single();
        Assert.That(progress.GetProperty("key").GetString(), Is.EqualTo("progress"));
        Assert.That(progress.GetProperty("value").GetProperty("text").GetString(), Is.EqualTo("\"rendered\""));

        using (_runtime.Use())
        {
            await DBOS.SendAsync("waiting-2", new { note = "later" }, "remark");
        }

        var messages = (await GetJsonAsync("/dbos/api/workflows/waiting-2/events")).GetProperty("messages").EnumerateArray().Single();
        Assert.That(messages.GetProperty("topic").GetString(), Is.EqualTo("remark"));
        Assert.That(messages.GetProperty("consumed").GetBoolean(), Is.False, "the workflow waits on another topic");
        Assert.That(messages.GetProperty("value").GetProperty("text").GetString(), Does.Contain("\"note\": \"later\""), "pretty-printed JSON");

        var failed = await StartAsync("broken-2", () => DashboardTestWorkflows.Explode());
        await WaitForStatusAsync(failed, WorkflowStatuses.Error);
        var error = await GetJsonAsync("/dbos/api/workflows/broken-2");
        Assert.That(error.GetProperty("error").GetProperty("text").GetString(), Does.Contain("the report service is down"));
        var failedStep = (await GetJsonAsync("/dbos/api/workflows/broken-2/steps")).EnumerateArray().Single();
        Assert.That(failedStep.GetProperty("error").GetProperty("text").GetString(), Does.Contain("the report service is down"));
    }

    [Test]
    public async Task An_unchanged_answer_is_304_and_a_change_gives_a_new_etag()
    {
        await StartAsync("waiting-3", () => DashboardTestWorkflows.AwaitDecision());
        await WaitForEventAsync("waiting-3", "status");
        foreach (var url in new[] { "/dbos/api/workflows?prefix=waiting-", "/dbos/api/workflows/waiting-3", "/dbos/api/queues" })
        {
            using var first = await _client.GetAsync(url);
            Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.OK), url);
            var etag = first.Headers.ETag;
            Assert.That(etag, Is.Not.Null, url);

            using var again = new HttpRequestMessage(HttpMethod.Get, url);
            again.Headers.IfNoneMatch.Add(etag!);
            using var unchanged = await _client.SendAsync(again);
            Assert.That(unchanged.StatusCode, Is.EqualTo(HttpStatusCode.NotModified), url);
            Assert.That(await unchanged.Content.ReadAsByteArrayAsync(), Is.Empty);
        }

        using var before = await _client.GetAsync("/dbos/api/workflows/waiting-3");
        using (await PostActionAsync("/dbos/api/workflows/waiting-3/cancel"))
        {
        }

        using var after = new HttpRequestMessage(HttpMethod.Get, "/dbos/api/workflows/waiting-3");
        after.Headers.IfNoneMatch.Add(before.Headers.ETag!);
        using var changed = await _client.SendAsync(after);
        Assert.That(changed.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(changed.Headers.ETag, Is.Not.EqualTo(before.Headers.ETag));
        Assert.That((await changed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("workflow").GetProperty("status").GetString(), Is.EqualTo("CANCELLED"));
    }

    [Test]
    public async Task Cancel_resume_fork_and_delete_change_the_database_and_are_audited_with_the_user()
    {
        await StartAsync("waiting-4", () => DashboardTestWorkflows.AwaitDecision());
        await WaitForEventAsync("waiting-4", "status");

        using (var unguarded = await PostActionAsync("/dbos/api/workflows/waiting-4/cancel", header: false))
        {
            Assert.That(unguarded.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(await unguarded.Content.ReadAsStringAsync(), Does.Contain("X-Dbos-Dashboard"));
        }

        Assert.That((await _runtime.GetWorkflowStatusAsync("waiting-4"))!.Status, Is.EqualTo(WorkflowStatuses.Pending), "a request without the header changes nothing");

        using (var cancel = await PostActionAsync("/dbos/api/workflows/waiting-4/cancel"))
        {
            Assert.That(cancel.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That((await cancel.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString(), Is.EqualTo("CANCELLED"));
        }

        Assert.That((await _runtime.GetWorkflowStatusAsync("waiting-4"))!.Status, Is.EqualTo(WorkflowStatuses.Cancelled));
        AssertAudited("cancel", "waiting-4");

        using (var resume = await PostActionAsync("/dbos/api/workflows/waiting-4/resume"))
        {
            Assert.That(resume.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        await WaitForStatusAsync("waiting-4", WorkflowStatuses.Pending);
        AssertAudited("resume", "waiting-4");

        using (var badFork = await PostActionAsync("/dbos/api/workflows/waiting-4/fork", new { startStep = -1 }))
        {
            Assert.That(badFork.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(await badFork.Content.ReadAsStringAsync(), Does.Contain("startStep must be 0 or more"));
        }

        string forkId;
        using (var fork = await PostActionAsync("/dbos/api/workflows/waiting-4/fork", new { startStep = 1, newWorkflowId = "waiting-4-fork" }))
        {
            Assert.That(fork.StatusCode, Is.EqualTo(HttpStatusCode.OK), await fork.Content.ReadAsStringAsync());
            forkId = (await fork.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("newWorkflowId").GetString()!;
        }

        Assert.That(forkId, Is.EqualTo("waiting-4-fork"));
        var forked = await WaitForStatusAsync(forkId, WorkflowStatuses.Enqueued, WorkflowStatuses.Pending);
        Assert.That(forked.ForkedFrom, Is.EqualTo("waiting-4"));
        var original = await GetJsonAsync("/dbos/api/workflows/waiting-4");
        Assert.That(original.GetProperty("forks").EnumerateArray().Select(f => f.GetProperty("workflowId").GetString()), Is.EqualTo(new[] { forkId }));

        using (var conflict = await PostActionAsync("/dbos/api/workflows/waiting-4/fork", new { startStep = 1, newWorkflowId = "waiting-4-fork" }))
        {
            Assert.That(conflict.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        }

        await StartAsync("finished-1", () => DashboardTestWorkflows.Report(3));
        await WaitForStatusAsync("finished-1", WorkflowStatuses.Success);
        foreach (var action in new[] { "cancel", "resume" })
        {
            using var refused = await PostActionAsync($"/dbos/api/workflows/finished-1/{action}");
            var body = await refused.Content.ReadFromJsonAsync<JsonElement>();
            Assert.That(body.GetProperty("status").GetString(), Is.EqualTo("SUCCESS"), action);
            Assert.That(body.GetProperty("message").GetString(), Does.Contain("It had finished (SUCCESS): left as it is"), action);
        }

        foreach (var id in new[] { forkId, "waiting-4" })
        {
            using var delete = await PostActionAsync($"/dbos/api/workflows/{id}/delete");
            Assert.That(delete.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(await _runtime.GetWorkflowStatusAsync(id), Is.Null, id);
        }

        AssertAudited("delete", "waiting-4");
        using var gone = await PostActionAsync("/dbos/api/workflows/waiting-4/cancel");
        Assert.That(gone.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task Queues_versions_executors_and_schedules_show_what_the_database_holds()
    {
        using (_runtime.Use())
        {
            await DBOS.EnqueueAsync("reports", () => DashboardTestWorkflows.AwaitDecision(), new WorkflowOptions { WorkflowId = "queued-1" });
        }

        await WaitForEventAsync("queued-1", "status");
        var queues = (await GetJsonAsync("/dbos/api/queues")).EnumerateArray().ToArray();
        var reports = queues.Single(q => q.GetProperty("name").GetString() == "reports");
        Assert.That(reports.GetProperty("registered").GetBoolean(), Is.True);
        Assert.That(reports.GetProperty("concurrency").GetInt32(), Is.EqualTo(3));
        Assert.That(reports.GetProperty("workerConcurrency").GetInt32(), Is.EqualTo(2));
        Assert.That(reports.GetProperty("rateLimit").GetProperty("limit").GetInt32(), Is.EqualTo(20));
        Assert.That(reports.GetProperty("rateLimit").GetProperty("periodSeconds").GetDouble(), Is.EqualTo(10));
        Assert.That(reports.GetProperty("pending").GetInt64(), Is.EqualTo(1));
        Assert.That(reports.GetProperty("enqueued").GetInt64(), Is.EqualTo(0));
        Assert.That(queues.Select(q => q.GetProperty("name").GetString()), Does.Contain(WorkflowQueue.InternalQueueName));

        var versions = await GetJsonAsync("/dbos/api/versions");
        Assert.That(versions.GetProperty("currentVersion").GetString(), Is.EqualTo(_runtime.ApplicationVersion));
        var current = versions.GetProperty("versions").EnumerateArray().Single();
        Assert.That(current.GetProperty("versionName").GetString(), Is.EqualTo(_runtime.ApplicationVersion));
        Assert.That(current.GetProperty("current").GetBoolean(), Is.True);
        Assert.That(current.GetProperty("latest").GetBoolean(), Is.True);
        var executor = versions.GetProperty("executors").EnumerateArray().Single();
        Assert.That(executor.GetProperty("executorId").GetString(), Is.EqualTo(_runtime.ExecutorId));
        Assert.That(executor.GetProperty("pending").GetInt64(), Is.EqualTo(1));
        Assert.That(executor.GetProperty("thisProcess").GetBoolean(), Is.True);

        Assert.That((await GetJsonAsync("/dbos/api/schedules")).GetArrayLength(), Is.Zero);
        using (_runtime.Use())
        {
            await DBOS.CreateScheduleAsync("nightly-report", "NightlyReport", "0 0 3 1 1 *");
        }

        var schedule = (await GetJsonAsync("/dbos/api/schedules")).EnumerateArray().Single();
        Assert.That(schedule.GetProperty("scheduleName").GetString(), Is.EqualTo("nightly-report"));
        Assert.That(schedule.GetProperty("cron").GetString(), Is.EqualTo("0 0 3 1 1 *"));
        Assert.That(schedule.GetProperty("status").GetString(), Is.EqualTo("ACTIVE"));

        var info = await GetJsonAsync("/dbos/api/info");
        Assert.That(info.GetProperty("user").GetString(), Is.EqualTo("olga"));
        Assert.That(info.GetProperty("refreshIntervalMs").GetInt32(), Is.EqualTo(3000));
    }

    [Test]
    public async Task Work_left_for_another_application_version_is_flagged_in_the_list_and_the_versions()
    {
        using (_runtime.Use())
        {
            await DBOS.EnqueueAsync("reports", () => DashboardTestWorkflows.AwaitDecision(), new WorkflowOptions { WorkflowId = "old-version-1", ApplicationVersion = "v-old" });
        }

        // This process runs another version: it leaves the workflow ENQUEUED.
        var row = (await GetJsonAsync("/dbos/api/workflows?prefix=old-version-")).GetProperty("workflows").EnumerateArray().Single();
        Assert.That(row.GetProperty("status").GetString(), Is.EqualTo("ENQUEUED"));
        Assert.That(row.GetProperty("applicationVersion").GetString(), Is.EqualTo("v-old"));
        Assert.That(row.GetProperty("otherVersion").GetBoolean(), Is.True);

        var versions = (await GetJsonAsync("/dbos/api/versions")).GetProperty("versions").EnumerateArray().ToArray();
        var old = versions.Single(v => v.GetProperty("versionName").GetString() == "v-old");
        Assert.That(old.GetProperty("enqueued").GetInt64(), Is.EqualTo(1));
        Assert.That(old.GetProperty("registered").GetBoolean(), Is.False);
        Assert.That(old.GetProperty("current").GetBoolean(), Is.False);
        Assert.That(versions.Single(v => v.GetProperty("current").GetBoolean()).GetProperty("versionName").GetString(), Is.EqualTo(_runtime.ApplicationVersion));
        var reports = (await GetJsonAsync("/dbos/api/queues")).EnumerateArray().Single(q => q.GetProperty("name").GetString() == "reports");
        Assert.That(reports.GetProperty("enqueued").GetInt64(), Is.EqualTo(1));
    }
}
