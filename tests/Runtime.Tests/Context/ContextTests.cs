using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading.Tasks;
using Dbos.Tests.Transactions;
using Microsoft.Extensions.Logging;
using NUnit.Framework;

namespace Dbos.Tests.Context;

/// <summary>The context variables inside and outside workflows, steps and transactions, stored with workflows and
/// restored on recovery; logger scopes and spans.</summary>
public sealed class ContextTests(string engine) : EngineTest(engine)
{
    private static DbosRequest SampleRequest() => new()
    {
        Method = "POST",
        Url = "http://127.0.0.1:5000/orders/7?expedite=true",
        BaseUrl = "http://127.0.0.1:5000/",
        Headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["X-Test"] = "from the header" },
        PathParams = new Dictionary<string, string> { ["id"] = "7" },
        QueryParams = new Dictionary<string, string> { ["expedite"] = "true" },
        ClientAddress = "127.0.0.1:4242",
    };

    private async Task<object?[]> StatusRowAsync(string workflowId)
        => (await QueryAsync("SELECT authenticated_user, authenticated_roles, assumed_role, request, attributes FROM {s}workflow_status WHERE workflow_uuid = @p1", workflowId)).Single();

    [Test]
    public async Task Workflows_steps_and_children_see_the_caller_s_user_roles_and_request_and_store_them()
    {
        await LaunchAsync();
        ContextSnapshot[] seen;
        using (new DBOSContextSetAuth("alice", ["user", "admin"]))
        using (new DBOSContextSetRequest(SampleRequest()))
        using (new SetWorkflowID("observe-1"))
        {
            seen = await ContextWorkflows.Observe();
        }

        Assert.That(seen.Select(s => s.Where), Is.EqualTo(new[] { "workflow", "step", "child", "child step" }));
        foreach (var snapshot in seen)
        {
            Assert.That(snapshot.User, Is.EqualTo("alice"), snapshot.Where);
            Assert.That(snapshot.Roles, Is.EqualTo(new[] { "user", "admin" }), snapshot.Where);
            Assert.That(snapshot.AssumedRole, Is.Null, snapshot.Where);
            Assert.That(snapshot.Method, Is.EqualTo("POST"), snapshot.Where);
            Assert.That(snapshot.Url, Is.EqualTo("http://127.0.0.1:5000/orders/7?expedite=true"), snapshot.Where);
            Assert.That(snapshot.Header, Is.EqualTo("from the header"), snapshot.Where);
        }

        Assert.That(seen.Select(s => s.ExecutorId), Is.All.EqualTo("local"), "DBOS.Config in workflows and steps");
        Assert.That(seen[0].WorkflowId, Is.EqualTo("observe-1"));
        Assert.That(seen[1].WorkflowId, Is.EqualTo("observe-1"));
        Assert.That(seen[2].WorkflowId, Is.EqualTo("observe-1-1"), "the child's ID");
        Assert.That(seen[3].WorkflowId, Is.EqualTo("observe-1-1"));

        foreach (var id in new[] { "observe-1", "observe-1-1" })
        {
            var row = await StatusRowAsync(id);
            Assert.That(row[0], Is.EqualTo("alice"), id);
            Assert.That(row[1], Is.EqualTo("[\"user\",\"admin\"]"), id);
            Assert.That(row[2], Is.Null, id);
            Assert.That((string)row[3]!, Does.Contain("\"method\":\"POST\"").And.Contain("from the header"), id);
        }

        Assert.That(DBOS.AuthenticatedUser, Is.Null, "the scopes ended");
    }

    [Test]
    public async Task Without_a_context_workflows_store_no_user_and_no_request()
    {
        await LaunchAsync();
        using (new SetWorkflowID("anonymous"))
        {
            var seen = await ContextWorkflows.Observe();
            Assert.That(seen.All(s => s.User is null && s.Roles is null && s.Method is null), Is.True);
        }

        var row = await StatusRowAsync("anonymous");
        Assert.That(row[0..4], Is.All.Null);
    }

    [Test]
    public async Task Outside_workflows_a_step_is_a_plain_call_with_the_caller_s_context_and_no_workflow_id()
    {
        await LaunchAsync();
        using (new DBOSContextSetAuth("erin", ["user"]))
        {
            var step = await ContextWorkflows.ObserveStep("outside");
            Assert.That(step.WorkflowId, Is.Null);
            Assert.That(step.User, Is.EqualTo("erin"));
        }
    }

    [Test]
    public async Task A_transaction_sees_its_workflow_id_inside_a_workflow_and_its_temporary_workflow_s_outside()
    {
        var appDatabase = TestDatabases.NewSqliteFile("app_ctx");
        await ShopDb.CreateAsync(appDatabase);
        var provider = new CapturingLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(provider));
        await LaunchAsync(o =>
        {
            o.UseApplicationDatabase(() => new ShopDb(ShopDb.OptionsFor(appDatabase)));
            o.LoggerFactory = factory;
            o.ExecutorId = "tx-executor";
        });
        using (new DBOSContextSetAuth("frank", ["user"]))
        using (new DBOSContextSetRequest(SampleRequest()))
        {
            using (new SetWorkflowID("tx-context"))
            {
                Assert.That(await ContextWorkflows.CallsTransaction(), Is.EqualTo("tx-context|-|frank|POST from the header|tx-executor|no span"));
            }

            using (new SetWorkflowID("tx-alone"))
            {
                Assert.That(await ContextWorkflows.ObserveInTransaction(), Is.EqualTo("tx-alone|-|frank|POST from the header|tx-executor|no span"), "in its temporary workflow");
            }
        }

        var scopes = provider.Entries.Where(e => e.Message == "in the transaction").Select(e => e.Scope).ToList();
        Assert.That(scopes.Select(s => s["workflow_id"]), Is.EqualTo(new[] { "tx-context", "tx-alone" }));
        Assert.That(scopes.Select(s => s["step_name"]), Is.All.EqualTo("ObserveInTransaction"));
        Assert.That(scopes.Select(s => s["function_id"]), Is.All.EqualTo(0));
    }

    [Test]
    public async Task Config_is_the_effective_read_only_configuration()
    {
        await LaunchAsync(o =>
        {
            o.ExecutorId = "executor-7";
            o.ApplicationVersion = "v-ctx";
            o.ApplicationName = "context-tests";
        });
        var config = DBOS.Config;
        Assert.That(config.ExecutorId, Is.EqualTo("executor-7"));
        Assert.That(config.ApplicationVersion, Is.EqualTo("v-ctx"));
        Assert.That(config.ApplicationName, Is.EqualTo("context-tests"));
        Assert.That(config.SystemDatabaseUrl, Is.EqualTo(Database));
        Assert.That(config.Serialization, Is.EqualTo("portable_json"));
        Assert.That(config.ToString(), Does.Contain("executor-7"));
    }

    [Test]
    public async Task Logger_and_config_need_a_running_runtime()
    {
        var runtime = await LaunchAsync();
        Assert.That(DBOS.Logger, Is.Not.Null);
        await runtime.ShutdownAsync();
        Assert.That(Assert.Throws<InvalidOperationException>(() => _ = DBOS.Config)!.Message, Does.Contain("No DBOS runtime is running"));
        Assert.Throws<InvalidOperationException>(() => _ = DBOS.Logger);
    }

    [Test]
    public async Task The_logger_s_scope_carries_the_workflow_id_and_name_and_in_steps_the_step_name_and_function_id()
    {
        var provider = new CapturingLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(provider).SetMinimumLevel(LogLevel.Trace));
        await LaunchAsync(o => o.LoggerFactory = factory);
        using (new SetWorkflowID("logged"))
        {
            await ContextWorkflows.Observe();
        }

        DBOS.Logger.LogInformation("outside");
        var entries = provider.Entries.ToList();
        var inWorkflow = entries.Single(e => e.Message == "in the workflow").Scope;
        Assert.That(inWorkflow["workflow_id"], Is.EqualTo("logged"));
        Assert.That(inWorkflow["workflow_name"], Is.EqualTo("Observe"));
        Assert.That(inWorkflow.ContainsKey("step_name"), Is.False);

        var inStep = entries.Single(e => e.Message == "in the step step").Scope;
        Assert.That(inStep["workflow_id"], Is.EqualTo("logged"));
        Assert.That(inStep["step_name"], Is.EqualTo("ObserveStep"));
        Assert.That(inStep["function_id"], Is.EqualTo(0));

        var inChildStep = entries.Single(e => e.Message == "in the step child step").Scope;
        Assert.That(inChildStep["workflow_id"], Is.EqualTo("logged-1"));
        Assert.That(inChildStep["workflow_name"], Is.EqualTo("ObserveChild"));
        Assert.That(inChildStep["function_id"], Is.EqualTo(0));

        Assert.That(entries.Single(e => e.Message == "outside").Scope, Is.Empty);
    }

    [Test]
    public async Task Workflows_steps_and_children_get_spans_linked_parent_to_child_with_DBOS_attributes()
    {
        using var spans = new SpanCollector();
        await LaunchAsync(o => o.ExecutorId = "tracer");
        ContextSnapshot[] seen;
        using (new DBOSContextSetAuth("grace", ["admin"]))
        using (new SetWorkflowID("traced"))
        {
            seen = await ContextWorkflows.Observe();
        }

        using (new SetWorkflowID("traced-failure"))
        {
            Assert.That(await ContextWorkflows.FailsInAStep(), Is.EqualTo("caught"));
        }

        var workflow = spans.ForWorkflow("traced").Single(a => (string?)a.GetTagItem("operationType") == "workflow");
        Assert.That(workflow.DisplayName, Is.EqualTo("Observe"));
        Assert.That(workflow.GetTagItem("executorID"), Is.EqualTo("tracer"));
        Assert.That(workflow.GetTagItem("dbos.outcome"), Is.EqualTo("success"));
        Assert.That(workflow.GetTagItem("authenticatedUser"), Is.EqualTo("grace"));
        Assert.That(workflow.GetTagItem("authenticatedUserRoles"), Is.EqualTo("[\"admin\"]"));
        Assert.That(workflow.Status, Is.EqualTo(ActivityStatusCode.Ok));
        Assert.That(seen[0].SpanId, Is.EqualTo(workflow.SpanId.ToHexString()), "DBOS.Span in the workflow is its span");

        var step = spans.ForWorkflow("traced").Single(a => (string?)a.GetTagItem("operationType") == "step");
        Assert.That(step.DisplayName, Is.EqualTo("ObserveStep"));
        Assert.That(step.GetTagItem("dbos.function_id"), Is.EqualTo(0));
        Assert.That(step.ParentSpanId, Is.EqualTo(workflow.SpanId));
        Assert.That(seen[1].SpanId, Is.EqualTo(step.SpanId.ToHexString()), "DBOS.Span in the step is its span");

        var child = spans.ForWorkflow("traced-1").Single(a => (string?)a.GetTagItem("operationType") == "workflow");
        Assert.That(child.ParentSpanId, Is.EqualTo(workflow.SpanId), "a child workflow's span is a child of its parent's");
        Assert.That(child.TraceId, Is.EqualTo(workflow.TraceId));
        var childStep = spans.ForWorkflow("traced-1").Single(a => (string?)a.GetTagItem("operationType") == "step");
        Assert.That(childStep.ParentSpanId, Is.EqualTo(child.SpanId));

        var failed = spans.ForWorkflow("traced-failure").Single(a => (string?)a.GetTagItem("operationType") == "step");
        Assert.That(failed.Status, Is.EqualTo(ActivityStatusCode.Error));
        Assert.That(failed.GetTagItem("dbos.outcome"), Is.EqualTo("error"));
        Assert.That(failed.Events.Select(e => e.Name), Does.Contain("exception"));
        Assert.That(spans.ForWorkflow("traced-failure").Single(a => (string?)a.GetTagItem("operationType") == "workflow").Status, Is.EqualTo(ActivityStatusCode.Ok));

        // A second call with the same ID joins the finished workflow: no execution, no span.
        using (new SetWorkflowID("traced"))
        {
            await ContextWorkflows.Observe();
        }

        Assert.That(spans.ForWorkflow("traced").Count(a => (string?)a.GetTagItem("operationType") == "workflow"), Is.EqualTo(1));
    }

    [Test]
    public async Task A_transaction_gets_a_span_under_its_workflow()
    {
        using var spans = new SpanCollector();
        var appDatabase = TestDatabases.NewSqliteFile("app_ctx_span");
        await ShopDb.CreateAsync(appDatabase);
        await LaunchAsync(o => o.UseApplicationDatabase(() => new ShopDb(ShopDb.OptionsFor(appDatabase))));
        using (new SetWorkflowID("tx-span"))
        {
            await ContextWorkflows.CallsTransaction();
        }

        var workflow = spans.ForWorkflow("tx-span").Single(a => (string?)a.GetTagItem("operationType") == "workflow");
        var transaction = spans.ForWorkflow("tx-span").Single(a => (string?)a.GetTagItem("operationType") == "transaction");
        Assert.That(transaction.DisplayName, Is.EqualTo("ObserveInTransaction"));
        Assert.That(transaction.ParentSpanId, Is.EqualTo(workflow.SpanId));
        Assert.That(transaction.GetTagItem("dbos.outcome"), Is.EqualTo("success"));
    }

    [Test]
    public async Task A_recovered_workflow_keeps_its_user_roles_and_request_and_continues_its_trace()
    {
        using var spans = new SpanCollector();
        using var testSource = new ActivitySource(SpanCollector.TestSourceName);
        var first = await LaunchAsync();
        string rootTrace;
        string rootSpan;
        using (var root = testSource.StartActivity("handler")!)
        {
            rootTrace = root.TraceId.ToHexString();
            rootSpan = root.SpanId.ToHexString();
            using (new DBOSContextSetAuth("heidi", ["ops", "user"]))
            using (new DBOSContextSetRequest(SampleRequest()))
            using (new SetWorkflowID("recover-context"))
            {
                await DBOS.StartWorkflowAsync(() => ContextWorkflows.GatedObserve("rc"));
            }
        }

        await EventuallyAsync(async () => await StepCountAsync("recover-context") >= 1, "the workflow reached its gate");
        await first.ShutdownAsync();
        var attributes = (string)(await StatusRowAsync("recover-context"))[4]!;
        Assert.That(attributes, Does.Contain("dbos.otelContext").And.Contain($"00-{rootTrace}-{rootSpan}-01"));

        var second = await LaunchAsync();
        var handle = await second.RetrieveWorkflowAsync<ContextSnapshot>("recover-context");
        Probe.Open("rc");
        var after = await handle.GetResultAsync();
        Assert.That(after.Where, Is.EqualTo("after rc"));
        Assert.That(after.User, Is.EqualTo("heidi"));
        Assert.That(after.Roles, Is.EqualTo(new[] { "ops", "user" }));
        Assert.That(after.Method, Is.EqualTo("POST"));
        Assert.That(after.Header, Is.EqualTo("from the header"));
        Assert.That(after.TraceId, Is.EqualTo(rootTrace), "the recovered step's span is in the original trace");

        var recovered = spans.ForWorkflow("recover-context").Single(a => (string?)a.GetTagItem("operationType") == "workflow" && a.GetTagItem("dbos.recovered") is true);
        Assert.That(recovered.TraceId.ToHexString(), Is.EqualTo(rootTrace));
        Assert.That(recovered.ParentSpanId.ToHexString(), Is.EqualTo(rootSpan));
        Assert.That(recovered.GetTagItem("authenticatedUser"), Is.EqualTo("heidi"));
    }

    [Test]
    public async Task A_workflow_started_outside_any_span_is_recovered_in_its_own_trace()
    {
        using var spans = new SpanCollector();
        var first = await LaunchAsync();
        using (new SetWorkflowID("recover-rootless"))
        {
            await DBOS.StartWorkflowAsync(() => ContextWorkflows.GatedObserve("rr"));
        }

        await EventuallyAsync(async () => await StepCountAsync("recover-rootless") >= 1, "the workflow reached its gate");
        await first.ShutdownAsync();
        var second = await LaunchAsync();
        var handle = await second.RetrieveWorkflowAsync<ContextSnapshot>("recover-rootless");
        Probe.Open("rr");
        await handle.GetResultAsync();

        // The first runtime's execution, stopped by its shutdown at the gate, ends its span when the gate opens too (its next
        // checkpoint is refused): wait for both spans rather than for a time.
        await EventuallyAsync(() => Task.FromResult(spans.ForWorkflow("recover-rootless").Count(a => (string?)a.GetTagItem("operationType") == "workflow") == 2), "both executions ended their spans");
        var executions = spans.ForWorkflow("recover-rootless").Where(a => (string?)a.GetTagItem("operationType") == "workflow").ToList();
        var recovered = executions.Single(a => a.GetTagItem("dbos.recovered") is true);
        var original = executions.Single(a => a.GetTagItem("dbos.recovered") is null);
        Assert.That(recovered.TraceId, Is.EqualTo(original.TraceId));
        Assert.That(recovered.ParentSpanId, Is.EqualTo(original.SpanId));
    }

    [Test]
    public async Task Required_roles_let_in_a_caller_with_one_and_the_first_listed_becomes_the_assumed_role()
    {
        await LaunchAsync();
        using (new DBOSContextSetAuth("ivan", ["user", "admin", "ops"]))
        using (new SetWorkflowID("guarded"))
        {
            // The class requires ("ops", "admin"): ops comes first in the attribute, so it is assumed.
            Assert.That(await GuardedWorkflows.Restricted("ok"), Is.EqualTo("ops|open as ops|child as ops"));
        }

        var row = await StatusRowAsync("guarded");
        Assert.That(row[0], Is.EqualTo("ivan"));
        Assert.That(row[2], Is.EqualTo("ops"));
        Assert.That((await StatusRowAsync("guarded-2"))[2], Is.EqualTo("ops"), "the child inherits the assumed role");

        using (new DBOSContextSetAuth("judy", ["admin"]))
        {
            Assert.That(await GuardedWorkflows.Restricted("admin"), Is.EqualTo("admin|open as admin|child as admin"));
        }
    }

    [Test]
    public async Task Required_roles_deny_a_caller_without_one_and_nothing_starts()
    {
        await LaunchAsync();
        var anonymous = (await Assert.ThrowsAsync<NotAuthorizedException>(async () =>
        {
            using (new SetWorkflowID("denied-anonymous"))
            {
                await GuardedWorkflows.Restricted("anonymous");
            }
        }))!;
        Assert.That(anonymous.ErrorCode, Is.EqualTo(DbosErrorCode.NotAuthorized));
        Assert.That((int)anonymous.ErrorCode, Is.EqualTo(8));
        Assert.That(anonymous.Message, Does.Contain("Restricted").And.Contain("without authentication"));

        using (new DBOSContextSetAuth("mallory", ["user"]))
        {
            var wrongRole = (await Assert.ThrowsAsync<NotAuthorizedException>(async () =>
            {
                using (new SetWorkflowID("denied-user"))
                {
                    await GuardedWorkflows.Restricted("user");
                }
            }))!;
            Assert.That(wrongRole.Message, Does.Contain("ops, admin").And.Contain("mallory"));
            await Assert.ThrowsAsync<NotAuthorizedException>(() => DBOS.StartWorkflowAsync(() => GuardedWorkflows.Restricted("start")));
        }

        Assert.That(await CountAsync("SELECT COUNT(*) FROM {s}workflow_status"), Is.Zero, "no workflow was recorded");
        Assert.That(Probe.Count("restricted:anonymous") + Probe.Count("restricted:user") + Probe.Count("restricted:start"), Is.Zero);

        // A step's own roles replace the class's: an admin is not an auditor.
        using (new DBOSContextSetAuth("niaj", ["admin", "auditor-not"]))
        {
            Assert.That(await GuardedWorkflows.CallsAudit(), Is.EqualTo("denied 8"));
        }

        using (new DBOSContextSetAuth("olivia", ["auditor"]))
        {
            Assert.That(await GuardedWorkflows.CallsAudit(), Is.EqualTo("audited as auditor"));
            Assert.That(await GuardedWorkflows.AuditStep(), Is.EqualTo("audited as auditor"), "checked outside workflows too");
        }
    }

    [Test]
    public async Task A_transaction_s_required_roles_are_checked_before_its_temporary_workflow_starts()
    {
        var appDatabase = TestDatabases.NewSqliteFile("app_ctx_roles");
        await ShopDb.CreateAsync(appDatabase);
        await LaunchAsync(o => o.UseApplicationDatabase(() => new ShopDb(ShopDb.OptionsFor(appDatabase))));
        using (new DBOSContextSetAuth("peggy", ["admin"]))
        {
            await Assert.ThrowsAsync<NotAuthorizedException>(() => GuardedWorkflows.ClerkOnly());
        }

        Assert.That(await CountAsync("SELECT COUNT(*) FROM {s}workflow_status"), Is.Zero);
        using (new DBOSContextSetAuth("quentin", ["clerk"]))
        {
            Assert.That(await GuardedWorkflows.ClerkOnly(), Is.EqualTo("clerk tx as clerk"));
        }
    }

    [Test]
    public async Task Recovery_checks_the_stored_roles_again_and_a_denial_finishes_the_workflow_as_error()
    {
        var first = await LaunchAsync();
        using (new DBOSContextSetAuth("rupert", ["admin"]))
        using (new SetWorkflowID("recovered-denied"))
        {
            await DBOS.StartWorkflowAsync(() => GuardedWorkflows.Gated("rd"));
        }

        await EventuallyAsync(async () => await StepCountAsync("recovered-denied") >= 1, "the workflow reached its gate");
        await first.ShutdownAsync();
        await QueryAsync("UPDATE {s}workflow_status SET authenticated_roles = '[\"nobody\"]' WHERE workflow_uuid = 'recovered-denied'");

        var second = await LaunchAsync();
        var handle = await second.RetrieveWorkflowAsync<string>("recovered-denied");
        var error = (await Assert.ThrowsAsync<NotAuthorizedException>(() => handle.GetResultAsync()))!;
        Assert.That(error.Message, Does.Contain("rupert"));
        Assert.That(await StatusAsync("recovered-denied"), Is.EqualTo(WorkflowStatuses.Error));
        Probe.Open("rd");
    }
}
