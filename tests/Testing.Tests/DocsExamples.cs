using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Dbos;
using Dbos.Testing;
using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;

namespace Dbos.Testing.Tests.Docs;

// The examples of docs/testing.md: each code block there is quoted from this file (DocsAreQuotedFromTests checks it).

public interface IMailer
{
    Task SendAsync(string to, string text);
}

public sealed class FakeMailer : IMailer
{
    public List<string> Sent { get; } = new();

    public Task SendAsync(string to, string text)
    {
        Sent.Add($"{to}: {text}");
        return Task.CompletedTask;
    }
}

public partial class Trial(IMailer mailer)
{
    [Workflow]
    public async Task<string> Run(string user)
    {
        await Mail(user, "Welcome! Your trial runs for 30 days.");
        await DBOS.SleepAsync(TimeSpan.FromDays(30));
        await Mail(user, "Your trial has ended.");
        return "ended";
    }

    [Step]
    private Task Mail(string user, string text) => mailer.SendAsync(user, text);
}

public sealed class TrialTests
{
    [Test]
    public async Task A_trial_ends_after_30_days()
    {
        var mailer = new FakeMailer();
        await using var env = await DbosTestEnvironment.StartAsync(o => o.Services.AddSingleton<IMailer>(mailer));
        var trials = env.GetRequiredService<ITrialClient>();

        var handle = await trials.StartRunAsync("ann@example.com");
        Assert.That(await handle.GetResultAsync(), Is.EqualTo("ended"));   // returns at once: the clock skipped 30 days

        Assert.That(mailer.Sent, Has.Count.EqualTo(2));
        Assert.That(env.Time.AutoSkipped, Is.GreaterThanOrEqualTo(TimeSpan.FromDays(30)));
    }

    [Test]
    public async Task Moving_the_clock_by_hand()
    {
        var mailer = new FakeMailer();
        await using var env = await DbosTestEnvironment.StartAsync(o =>
        {
            o.Services.AddSingleton<IMailer>(mailer);
            o.AutoSkipTime = false;
        });
        var handle = await env.GetRequiredService<ITrialClient>().StartRunAsync("bob@example.com");
        while ((await env.Runtime.ListWorkflowStepsAsync(handle.WorkflowId)).All(s => s.Name != "DBOS.sleep"))
        {
            await Task.Delay(10);   // until the workflow sleeps
        }

        env.Time.Advance(TimeSpan.FromDays(29));
        Assert.That((await handle.GetStatusAsync())!.Status, Is.EqualTo("PENDING"));
        env.Time.Advance(TimeSpan.FromDays(1));
        Assert.That(await handle.GetResultAsync(), Is.EqualTo("ended"));
    }

    [Test]
    public async Task A_crash_while_mailing_sends_the_mail_again()
    {
        var mailer = new FakeMailer();
        await using var env = await DbosTestEnvironment.StartAsync(o => o.Services.AddSingleton<IMailer>(mailer));
        var trials = env.GetRequiredService<ITrialClient>();

        // The process dies after the first mail went out, before its checkpoint was written.
        var crash = await env.RunUntilCrashAsync(CrashPoint.BeforeCheckpoint("Mail"), () => trials.StartRunAsync("cy@example.com"));
        var recovered = await crash.RecoverAsync<string>();   // a new runtime on the same database recovers it

        Assert.That(recovered.Result, Is.EqualTo("ended"));
        Assert.That(recovered.StepsRunAgain, Is.EqualTo(new[] { "Mail" }));   // at least once: the welcome mail went out twice
        Assert.That(mailer.Sent.Count(m => m.Contains("Welcome", StringComparison.Ordinal)), Is.EqualTo(2));
    }

    [Test]
    public async Task Recorded_trials_replay_against_this_code()
    {
        await using var env = await DbosTestEnvironment.StartAsync(o => o.Services.AddSingleton<IMailer>(new FakeMailer()));
        var handle = await env.GetRequiredService<ITrialClient>().StartRunAsync("dee@example.com");
        await handle.GetResultAsync();
        var json = (await WorkflowHistory.LoadAsync(env.Runtime, handle.WorkflowId)).ToJson();   // or LoadFromDatabaseAsync(url, id)
        File.WriteAllText(Path.Combine(Path.GetTempPath(), "trial-history.json"), json);

        var history = WorkflowHistory.FromJson(File.ReadAllText(Path.Combine(Path.GetTempPath(), "trial-history.json")));
        var result = await WorkflowReplayer.ReplayAsync(history, o => o.Services.AddSingleton<IMailer>(new FakeMailer()));
        Assert.That(result.IsSame, Is.True, result.Message);
    }

    [Test]
    public async Task A_stored_schedule_ticks_on_the_test_clock()
    {
        await using var env = await DbosTestEnvironment.StartAsync(o => o.StartTime = new DateTimeOffset(2026, 3, 2, 10, 0, 0, TimeSpan.Zero));
        using (env.Use())
        {
            await DBOS.CreateScheduleAsync("digest", nameof(ClockedWorkflows.DailyDigest), "0 9 * * *", context: "staff");
        }

        var run = await env.Runtime.RetrieveWorkflowAsync<string>("sched-digest-2026-03-03T09:00:00.000Z", existingWorkflow: false);
        Assert.That(await run.GetResultAsync(), Is.EqualTo("digest for staff at 2026-03-03T09:00:00.0000000+00:00"));  // the clock skipped 23 hours
    }

    [Test]
    public async Task DocsAreQuotedFromTests()
    {
        var source = Lines(await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "DocsExamples.cs")));
        var doc = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "testing.md"));
        var blocks = doc.Split("```").Where((_, i) => i % 2 == 1).Where(b => b.StartsWith("csharp", StringComparison.Ordinal)).ToList();
        Assert.That(blocks, Has.Count.GreaterThanOrEqualTo(4));
        foreach (var block in blocks)
        {
            // "..." leaves lines out: each part between them is quoted as it is.
            foreach (var part in string.Join("\n", Lines(block["csharp".Length..])).Split("\n...\n"))
            {
                var lines = Lines(part);
                var found = Enumerable.Range(0, source.Count - lines.Count + 1).Any(start => lines.Select((l, i) => source[start + i] == l).All(x => x));
                Assert.That(found, Is.True, "docs/testing.md quotes code that is not in DocsExamples.cs:\n" + string.Join("\n", lines));
            }
        }
    }

    private static List<string> Lines(string text) => text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
}
