using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;

namespace Dbos.AspNetCore.Tests.Browser;

/// <summary>
/// An operator in a real browser: the web sample (samples/WebApi) on a Kestrel port, its dashboard opened in headless Chromium
/// as an admin of the sample's demo scheme; they find a waiting refund, cancel and resume it with the buttons and the
/// confirmation dialog, and the database shows each change. Screenshots go to the test's results.
/// </summary>
[NonParallelizable]
public sealed class DashboardBrowserTests
{
    private string _database = "";
    private string _screenshots = "";
    private WebApplicationFactory<Program> _factory = null!;

    [SetUp]
    public void Start()
    {
        _database = Path.Combine(Path.GetTempPath(), "dbos-dashboard-browser-" + Guid.NewGuid().ToString("N") + ".sqlite");
        _screenshots = Path.Combine(TestContext.CurrentContext.WorkDirectory, "dashboard-screenshots");
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseSetting("urls", "http://127.0.0.1:0");
            web.UseSetting("Dbos:SystemDatabaseUrl", _database);
            web.UseSetting("Tracing:Console", "false");
            // Through the policy, as a signed-in admin: the sample's anonymous-on-loopback default is off here.
            web.UseSetting("Dashboard:AllowAnonymousOnLocalhost", "false");
        });
        _factory.UseKestrel();
        _factory.StartServer();
    }

    [TearDown]
    public async Task Stop()
    {
        await _factory.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            File.Delete(_database + suffix);
        }
    }

    private string BaseAddress => _factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');

    /// <summary>Where a screenshot goes (taken on a failed wait, or by <see cref="SaveAsync"/>).</summary>
    private string Shot(string name) => Path.Combine(_screenshots, name);

    private async Task SaveAsync(HeadlessChromium browser, string name, string description)
    {
        var path = Shot(name);
        await browser.ScreenshotAsync(path);
        TestContext.Out.WriteLine($"screenshot: {path}");
        TestContext.AddTestAttachment(path, description);
    }

    private async Task<WorkflowStatus> WaitForStatusAsync(DbosRuntime runtime, string id, params string[] statuses)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var status = await runtime.GetWorkflowStatusAsync(id);
            if (status is not null && statuses.Contains(status.Status))
            {
                return status;
            }

            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), $"{id} is {status?.Status ?? "missing"} in the database, never {string.Join(" or ", statuses)}");
            await Task.Delay(100);
        }
    }

    [Test]
    public async Task An_operator_finds_a_waiting_refund_cancels_and_resumes_it_in_the_browser()
    {
        var executable = HeadlessChromium.FindExecutable();
        var runtime = _factory.Services.GetRequiredService<DbosRuntime>();
        using (var http = new HttpClient { BaseAddress = new Uri(BaseAddress) })
        {
            foreach (var (path, user, role) in new[] { ("/orders/41", "alice", "customer"), ("/refunds/8", "dave", "customer"), ("/refunds/7", "bob", "customer"), ("/orders/42", "carol", "customer") })
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, path);
                request.Headers.Add("X-Demo-User", user);
                request.Headers.Add("X-Demo-Roles", role);
                using var response = await http.SendAsync(request);
                Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), path);
            }
        }

        using (runtime.Use())
        {
            Assert.That(await DBOS.GetEventAsync<string>("refund-7", "status", TimeSpan.FromSeconds(60)), Is.EqualTo("awaiting approval"));
            Assert.That(await DBOS.GetEventAsync<string>("refund-8", "status", TimeSpan.FromSeconds(60)), Is.EqualTo("awaiting approval"));
        }

        await WaitForStatusAsync(runtime, "order-42", WorkflowStatuses.Success);
        await using var browser = await HeadlessChromium.LaunchAsync(executable, 1400, 900);
        await browser.SetExtraHeadersAsync(new Dictionary<string, string> { ["X-Demo-User"] = "olga", ["X-Demo-Roles"] = "admin" });
        await browser.NavigateAsync(BaseAddress + "/dbos/");
        await browser.WaitForAsync("document.querySelectorAll('#workflows tbody tr').length === 4", "the four workflows", Shot("failed-list.png"));
        await browser.WaitForAsync("document.querySelector('#whoami').textContent.startsWith('olga')", "the signed-in admin", Shot("failed-whoami.png"));
        await SaveAsync(browser, "1-workflows.png", "The workflows list");

        // Find it: the ID prefix filter, applied with the button.
        await browser.TypeAsync("#filter-prefix", "refund-7");
        await browser.ClickAsync("#filter-apply");
        await browser.WaitForAsync("location.hash.includes('prefix=refund-7') && document.querySelectorAll('#workflows tbody tr').length === 1 && document.querySelector('tr[data-workflow-id=\"refund-7\"]')",
            "only refund-7 after filtering", Shot("failed-filter.png"));
        await browser.ClickAsync("tr[data-workflow-id=\"refund-7\"] a");
        await browser.WaitForAsync("document.querySelector('#wf-status [data-status=\"PENDING\"]') && document.querySelector('#events')?.textContent.includes('awaiting approval')",
            "refund-7 PENDING with its event", Shot("failed-detail.png"));
        await SaveAsync(browser, "2-workflow.png", "One workflow: properties, input, steps, events");

        // Cancel, confirmed in the dialog.
        await browser.ClickAsync("#action-cancel");
        await browser.WaitForAsync("document.querySelector('#confirm').open", "the confirmation dialog", Shot("failed-confirm-cancel.png"));
        await SaveAsync(browser, "3-confirm-cancel.png", "Cancel asks for confirmation");
        await browser.ClickAsync("#confirm-ok");
        await browser.WaitForAsync("!document.querySelector('#confirm').open && document.querySelector('#wf-status [data-status=\"CANCELLED\"]')", "refund-7 CANCELLED", Shot("failed-cancelled.png"));
        Assert.That((await runtime.GetWorkflowStatusAsync("refund-7"))!.Status, Is.EqualTo(WorkflowStatuses.Cancelled), "the database shows the cancel");
        await SaveAsync(browser, "4-cancelled.png", "After the cancel");

        // Resume: it runs again from its checkpoints and waits for its decision once more.
        await browser.ClickAsync("#action-resume");
        await browser.WaitForAsync("document.querySelector('#confirm').open", "the confirmation dialog", Shot("failed-confirm-resume.png"));
        await browser.ClickAsync("#confirm-ok");
        await WaitForStatusAsync(runtime, "refund-7", WorkflowStatuses.Pending);
        await browser.WaitForAsync("document.querySelector('#wf-status [data-status=\"PENDING\"]')", "refund-7 PENDING again (the page polls)", Shot("failed-resumed.png"));
        await SaveAsync(browser, "5-resumed.png", "After the resume");

        // The resumed execution is the live one: a decision finishes it, and the open page shows the result.
        using (runtime.Use())
        {
            await DBOS.SendAsync("refund-7", "approve", "decision");
        }

        Assert.That((await WaitForStatusAsync(runtime, "refund-7", WorkflowStatuses.Success, WorkflowStatuses.Error)).Status, Is.EqualTo(WorkflowStatuses.Success));
        await browser.WaitForAsync("document.querySelector('#wf-status [data-status=\"SUCCESS\"]') && document.body.textContent.includes('refunded 10.00 for order 7')",
            "refund-7 SUCCESS with its output", Shot("failed-success.png"));
        await SaveAsync(browser, "6-finished.png", "The finished refund");

        await browser.ClickAsync("header nav a[data-view=\"queues\"]");
        await browser.WaitForAsync("document.querySelector('#queues tr[data-queue=\"refunds\"]')?.children[3].textContent === '1'", "the refunds queue running refund-8", Shot("failed-queues.png"));
        await SaveAsync(browser, "7-queues.png", "Queues");
        await browser.ClickAsync("header nav a[data-view=\"versions\"]");
        await browser.WaitForAsync("document.querySelector('#versions tbody tr')", "the versions", Shot("failed-versions.png"));
        await SaveAsync(browser, "8-versions.png", "Versions and executors");

        // A waiting workflow would hold the shutdown for its grace period.
        await runtime.CancelWorkflowAsync("refund-8");
    }
}
