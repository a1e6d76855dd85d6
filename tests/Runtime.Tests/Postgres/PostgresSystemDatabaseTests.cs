using System;
using System.Linq;
using System.Threading.Tasks;
using Dbos.SystemDatabase;
using Dbos.SystemDatabase.Postgres;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using NUnit.Framework;
using static Dbos.Tests.Postgres.PostgresTestSupport;

namespace Dbos.Tests.Postgres;

/// <summary>The semantics of each system-database call, against a real PostgreSQL (one fresh database per test).</summary>
[TestFixture]
public sealed class PostgresSystemDatabaseTests
{
    private string _url = null!;
    private PostgresSystemDatabase _db = null!;
    private FakeTimeProvider _time = null!;

    [SetUp]
    public async Task SetUp()
    {
        _time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000));
        (_url, _db) = await NewMigratedDatabaseAsync("pg_sysdb", new DbosOptions { TimeProvider = _time, ApplicationName = null });
    }

    [TearDown]
    public async Task TearDown() => await _db.DisposeAsync();

    internal static WorkflowStatusInsert NewRow(string workflowId, string ownerXid, string name = "Orders.Process", string? inputs = "[1]", long createdAt = 1_000) =>
        new(
            WorkflowId: workflowId,
            Status: WorkflowStatuses.Pending,
            Name: name,
            ClassName: "Orders",
            ConfigName: null,
            Inputs: inputs,
            Serialization: "portable_json",
            ExecutorId: "local",
            ApplicationVersion: "v1",
            ApplicationName: null,
            OwnerXid: ownerXid,
            CreatedAt: createdAt);

    [Test]
    public void Engine_is_postgres() => Assert.That(_db.Engine, Is.EqualTo("postgres"));

    [Test]
    public async Task Insert_creates_the_row_with_its_input_in_workflow_input()
    {
        var row = NewRow("wf", "owner-1") with { QueueName = "q", TimeoutMs = 5_000, DeadlineEpochMs = 6_000, ParentWorkflowId = "parent", AuthenticatedUser = "alice", AuthenticatedRoles = "[\"admin\"]" };
        var result = await _db.InsertWorkflowStatusAsync(row, default);

        Assert.That(result, Is.EqualTo(new InsertWorkflowResult("PENDING", "Orders.Process", "Orders", null, "q", "owner-1", 6_000, "portable_json", Inserted: true)));
        var stored = await RowsAsync(_url, """
            SELECT status, name, class_name, executor_id, application_version, created_at, updated_at, recovery_attempts,
                   queue_name, workflow_timeout_ms, workflow_deadline_epoch_ms, parent_workflow_id, owner_xid, creator_xid,
                   serialization, started_at_epoch_ms, inputs, authenticated_user, authenticated_roles, priority
            FROM dbos.workflow_status
            """);
        Assert.That(stored, Is.EqualTo(new[]
        {
            "PENDING | Orders.Process | Orders | local | v1 | 1000 | 1000 | 1 | q | 5000 | 6000 | parent | owner-1 | owner-1 | portable_json | 1000 | NULL | alice | [\"admin\"] | 0",
        }));
        Assert.That(await RowsAsync(_url, "SELECT workflow_uuid, inputs FROM dbos.workflow_input"), Is.EqualTo(new[] { "wf | [1]" }));
    }

    [Test]
    public async Task Insert_of_an_existing_ID_returns_the_first_row_and_keeps_its_input()
    {
        await _db.InsertWorkflowStatusAsync(NewRow("wf", "owner-1", inputs: "[1]", createdAt: 1_000), default);
        var second = await _db.InsertWorkflowStatusAsync(NewRow("wf", "owner-2", name: "Other.Name", inputs: "[2]", createdAt: 2_000), default);

        Assert.That(second.Inserted, Is.False);
        Assert.That(second.OwnerXid, Is.EqualTo("owner-1"));
        Assert.That(second.Name, Is.EqualTo("Orders.Process"), "the caller compares names to detect a conflicting workflow");
        Assert.That(await RowsAsync(_url, "SELECT updated_at, created_at FROM dbos.workflow_status"), Is.EqualTo(new[] { "2000 | 1000" }));
        Assert.That(await RowsAsync(_url, "SELECT inputs FROM dbos.workflow_input"), Is.EqualTo(new[] { "[1]" }));
    }

    [Test]
    public async Task Insert_by_the_same_owner_again_counts_as_inserted()
    {
        // A retry after a lost acknowledgement: the commit happened, the token is ours.
        await _db.InsertWorkflowStatusAsync(NewRow("wf", "owner-1"), default);
        Assert.That((await _db.InsertWorkflowStatusAsync(NewRow("wf", "owner-1"), default)).Inserted, Is.True);
        Assert.That(await ScalarAsync<long>(_url, "SELECT count(*) FROM dbos.workflow_input"), Is.EqualTo(1));
    }

    [Test]
    public async Task Insert_of_an_existing_legacy_row_does_not_shadow_its_legacy_input()
    {
        await ExecuteAsync(_url, "INSERT INTO dbos.workflow_status (workflow_uuid, status, name, inputs, owner_xid) VALUES ('wf', 'PENDING', 'Orders.Process', '[\"legacy\"]', 'old')");
        var result = await _db.InsertWorkflowStatusAsync(NewRow("wf", "owner-2", inputs: "[\"new\"]"), default);

        Assert.That(result.Inserted, Is.False);
        Assert.That(await ScalarAsync<long>(_url, "SELECT count(*) FROM dbos.workflow_input"), Is.EqualTo(0));
        Assert.That((await _db.GetWorkflowStatusAsync("wf", true, default))!.Inputs, Is.EqualTo("[\"legacy\"]"));
    }

    [Test]
    public async Task Enqueued_row_has_no_start_time()
    {
        await _db.InsertWorkflowStatusAsync(NewRow("wf", "o") with { Status = WorkflowStatuses.Enqueued, QueueName = "q", RecoveryAttempts = 0 }, default);
        Assert.That(await RowsAsync(_url, "SELECT status, started_at_epoch_ms, recovery_attempts FROM dbos.workflow_status"), Is.EqualTo(new[] { "ENQUEUED | NULL | 0" }));
    }

    [Test]
    public async Task Outcome_is_written_once_by_the_owner_into_workflow_output()
    {
        await _db.InsertWorkflowStatusAsync(NewRow("wf", "owner-1"), default);
        await ExecuteAsync(_url, "UPDATE dbos.workflow_status SET deduplication_id = 'd', queue_name = 'q'");

        var wrongOwner = await _db.RecordWorkflowOutcomeAsync("wf", "owner-2", new WorkflowOutcome("SUCCESS", "\"other\"", null, "portable_json", 5_000), default);
        Assert.That(wrongOwner, Is.False);
        Assert.That(await ScalarAsync<long>(_url, "SELECT count(*) FROM dbos.workflow_output"), Is.EqualTo(0));

        var first = await _db.RecordWorkflowOutcomeAsync("wf", "owner-1", new WorkflowOutcome("SUCCESS", "42", null, "portable_json", 5_000), default);
        var second = await _db.RecordWorkflowOutcomeAsync("wf", "owner-1", new WorkflowOutcome("ERROR", null, "{\"name\":\"E\"}", "portable_json", 6_000), default);

        Assert.That((first, second), Is.EqualTo((true, false)));
        Assert.That(await RowsAsync(_url, "SELECT status, completed_at, updated_at, deduplication_id, output, error FROM dbos.workflow_status"),
            Is.EqualTo(new[] { "SUCCESS | 5000 | 5000 | NULL | NULL | NULL" }));
        Assert.That(await RowsAsync(_url, "SELECT output, error FROM dbos.workflow_output"), Is.EqualTo(new[] { "42 | NULL" }));

        var status = await _db.GetWorkflowStatusAsync("wf", loadPayloads: true, default);
        Assert.That((status!.Status, status.Output, status.Error, status.CompletedAt), Is.EqualTo(("SUCCESS", "42", (string?)null, (long?)5_000)));
    }

    [Test]
    public async Task Error_outcome_is_stored_as_error()
    {
        await _db.InsertWorkflowStatusAsync(NewRow("wf", "o"), default);
        Assert.That(await _db.RecordWorkflowOutcomeAsync("wf", "o", new WorkflowOutcome("ERROR", null, "{\"name\":\"E\"}", "portable_json", 7), default), Is.True);
        var status = await _db.GetWorkflowStatusAsync("wf", true, default);
        Assert.That((status!.Status, status.Output, status.Error), Is.EqualTo(("ERROR", (string?)null, "{\"name\":\"E\"}")));
    }

    [Test]
    public async Task Outcome_of_a_missing_workflow_is_not_written()
    {
        Assert.That(await _db.RecordWorkflowOutcomeAsync("nope", "o", new WorkflowOutcome("SUCCESS", "1", null, "portable_json", 1), default), Is.False);
        Assert.That(await ScalarAsync<long>(_url, "SELECT count(*) FROM dbos.workflow_output"), Is.EqualTo(0));
    }

    [Test]
    public async Task Status_reads_every_column_and_payloads_only_when_asked()
    {
        var row = NewRow("wf", "o") with { ConfigName = "cfg", AssumedRole = "role", Request = "{}", ApplicationName = "app", QueueName = "q", TimeoutMs = 9, DeadlineEpochMs = 10, ParentWorkflowId = "p" };
        await _db.InsertWorkflowStatusAsync(row, default);

        Assert.That(await _db.GetWorkflowStatusAsync("missing", true, default), Is.Null);
        var withoutPayloads = await _db.GetWorkflowStatusAsync("wf", loadPayloads: false, default);
        Assert.That(withoutPayloads, Is.EqualTo(new WorkflowStatusRow(
            "wf", "PENDING", "Orders.Process", "Orders", "cfg", null, "role", null, "{}", "local", "v1", "app", 1_000, 1_000, 1, "q", 9, 10, "p", "o",
            "portable_json", null, null, null, null)));
        var withPayloads = await _db.GetWorkflowStatusAsync("wf", loadPayloads: true, default);
        Assert.That(withPayloads, Is.EqualTo(withoutPayloads! with { Inputs = "[1]" }));
    }

    [Test]
    public async Task Payloads_fall_back_to_the_legacy_columns()
    {
        // Rows written by DBOS before 5.x (or by TypeScript 4.x) keep inputs/output/error in workflow_status.
        await ExecuteAsync(_url, """
            INSERT INTO dbos.workflow_status (workflow_uuid, status, name, inputs, output, error, owner_xid)
            VALUES ('legacy', 'ERROR', 'wf', '[7]', '"out"', '{"name":"Boom"}', 'x')
            """);
        var legacy = await _db.GetWorkflowStatusAsync("legacy", true, default);
        Assert.That((legacy!.Inputs, legacy.Output, legacy.Error, legacy.RecoveryAttempts), Is.EqualTo(("[7]", "\"out\"", "{\"name\":\"Boom\"}", 0L)));

        // The payload tables win when they have a row.
        await ExecuteAsync(_url, "INSERT INTO dbos.workflow_input (workflow_uuid, inputs) VALUES ('legacy', '[8]')");
        await ExecuteAsync(_url, "INSERT INTO dbos.workflow_output (workflow_uuid, output, error) VALUES ('legacy', '\"new\"', NULL)");
        var both = await _db.GetWorkflowStatusAsync("legacy", true, default);
        Assert.That((both!.Inputs, both.Output, both.Error), Is.EqualTo(("[8]", "\"new\"", "{\"name\":\"Boom\"}")));
    }

    [Test]
    public async Task Operation_is_recorded_once_and_a_conflict_returns_the_existing_record()
    {
        await _db.InsertWorkflowStatusAsync(NewRow("wf", "o"), default);
        var first = new OperationRecord(0, "Orders.Charge", "\"ok\"", null, "portable_json", null, 10, 20);
        Assert.That(await _db.RecordOperationAsync("wf", "o", first, default), Is.Null);

        var conflicting = new OperationRecord(0, "Orders.Refund", "\"other\"", null, "portable_json", null, 30, 40);
        Assert.That(await _db.RecordOperationAsync("wf", "o", conflicting, default), Is.EqualTo(first));
        Assert.That(await RowsAsync(_url, "SELECT function_name, output, application_name FROM dbos.operation_outputs"), Is.EqualTo(new[] { "Orders.Charge | \"ok\" | NULL" }));
    }

    [Test]
    public async Task Operations_are_listed_in_step_order_with_every_field()
    {
        await _db.InsertWorkflowStatusAsync(NewRow("wf", "o"), default);
        var child = new OperationRecord(2, "Child.Run", null, null, null, ChildWorkflowId: "wf-child", StartedAt: 5, CompletedAt: null);
        var error = new OperationRecord(1, "Orders.Charge", null, "{\"name\":\"E\"}", "portable_json", null, 3, 4);
        var ok = new OperationRecord(0, "Orders.Load", "1", null, "portable_json", null, 1, 2);
        foreach (var op in new[] { child, error, ok })
        {
            Assert.That(await _db.RecordOperationAsync("wf", "o", op, default), Is.Null);
        }

        Assert.That(await _db.GetOperationsAsync("wf", default), Is.EqualTo(new[] { ok, error, child }));
        Assert.That(await _db.GetOperationsAsync("other", default), Is.Empty);
    }

    [Test]
    public async Task Racing_executions_of_one_step_agree_on_a_single_record()
    {
        await _db.InsertWorkflowStatusAsync(NewRow("wf", "o"), default);
        var databases = Enumerable.Range(0, 6).Select(_ => NewSystemDatabase(_url)).ToArray();
        try
        {
            for (var step = 0; step < 20; step++)
            {
                var id = step;
                var results = await Task.WhenAll(databases.Select((d, i) => Task.Run(() =>
                    d.RecordOperationAsync("wf", "o", new OperationRecord(id, "step", $"\"{i}\"", null, "portable_json"), default))));
                Assert.That(results.Count(r => r is null), Is.EqualTo(1), $"step {id}: exactly one execution records it");
                var winner = (await _db.GetOperationsAsync("wf", default)).Single(o => o.FunctionId == id);
                Assert.That(results.Where(r => r is not null), Is.All.EqualTo(winner));
            }
        }
        finally
        {
            foreach (var d in databases)
            {
                await d.DisposeAsync();
            }
        }
    }

    [Test]
    public async Task Operation_records_the_application_name()
    {
        await using var db = NewSystemDatabase(_url, new DbosOptions { ApplicationName = "shop" });
        await db.InsertWorkflowStatusAsync(NewRow("wf", "o"), default);
        await db.RecordOperationAsync("wf", "o", new OperationRecord(0, "s", null, null, null), default);
        Assert.That(await ScalarAsync<string>(_url, "SELECT application_name FROM dbos.operation_outputs"), Is.EqualTo("shop"));
    }

    [Test]
    public async Task Pending_workflows_are_those_of_this_executor_and_version()
    {
        await _db.InsertWorkflowStatusAsync(NewRow("mine-1", "o1", createdAt: 2) with { QueueName = "q" }, default);
        await _db.InsertWorkflowStatusAsync(NewRow("mine-2", "o2", createdAt: 1), default);
        await _db.InsertWorkflowStatusAsync(NewRow("other-executor", "o3") with { ExecutorId = "vm-2" }, default);
        await _db.InsertWorkflowStatusAsync(NewRow("other-version", "o4") with { ApplicationVersion = "v2" }, default);
        await _db.InsertWorkflowStatusAsync(NewRow("done", "o5"), default);
        await _db.RecordWorkflowOutcomeAsync("done", "o5", new WorkflowOutcome("SUCCESS", "1", null, "portable_json", 3), default);
        await _db.InsertWorkflowStatusAsync(NewRow("enqueued", "o6") with { Status = WorkflowStatuses.Enqueued }, default);

        var pending = await _db.GetPendingWorkflowsAsync("local", "v1", default);
        Assert.That(pending, Is.EqualTo(new[]
        {
            new PendingWorkflow("mine-2", "Orders.Process", "Orders", "o2", 1, null),
            new PendingWorkflow("mine-1", "Orders.Process", "Orders", "o1", 1, "q"),
        }));
    }

    [Test]
    public async Task Pending_workflows_of_another_application_are_not_recovered()
    {
        await using var shop = NewSystemDatabase(_url, new DbosOptions { ApplicationName = "shop" });
        await _db.InsertWorkflowStatusAsync(NewRow("shop", "o1") with { ApplicationName = "shop" }, default);
        await _db.InsertWorkflowStatusAsync(NewRow("unclaimed", "o2"), default);
        await _db.InsertWorkflowStatusAsync(NewRow("billing", "o3") with { ApplicationName = "billing" }, default);

        var pending = await shop.GetPendingWorkflowsAsync("local", "v1", default);
        Assert.That(pending.Select(p => p.WorkflowId), Is.EquivalentTo(new[] { "shop", "unclaimed" }));
    }

    private static async Task<WorkflowStatusRow?> ClaimAsync(PostgresSystemDatabase db, string id, string expected, string owner, string executor)
        => (await db.ClaimForRecoveryAsync([new RecoveryClaim(id, expected, owner)], executor, default)).SingleOrDefault()?.Row;

    [Test]
    public async Task A_checkpoint_write_is_refused_unless_the_workflow_is_pending_and_owned_by_the_writer()
    {
        await _db.InsertWorkflowStatusAsync(NewRow("wf", "o"), default);
        var step = new OperationRecord(0, "s", "1", null, "portable_json");
        var lost = await Assert.ThrowsAsync<WorkflowConflictIdException>(() => _db.RecordOperationAsync("wf", "someone-else", step, default));
        Assert.That(lost!.Message, Does.Contain("owned by another execution").And.Contain("DBOS__VMID"));
        Assert.That(await _db.RecordOperationAsync("wf", "o", step, default), Is.Null);

        await ExecuteAsync(_url, "UPDATE dbos.workflow_status SET status = 'CANCELLED'");
        await Assert.ThrowsAsync<WorkflowCancelledException>(() => _db.RecordOperationAsync("wf", "o", step with { FunctionId = 1 }, default));
        await Assert.ThrowsAsync<NonExistentWorkflowException>(() => _db.RecordOperationAsync("missing", "o", step, default));
        Assert.That(await RowsAsync(_url, "SELECT function_id FROM dbos.operation_outputs"), Is.EqualTo(new[] { "0" }), "refused writes wrote nothing");
    }

    [Test]
    public async Task Claims_are_batched_and_return_each_claimed_workflow_with_its_checkpoints()
    {
        await _db.InsertWorkflowStatusAsync(NewRow("a", "oa", inputs: "[1]"), default);
        await _db.InsertWorkflowStatusAsync(NewRow("b", "ob", inputs: "[2]"), default);
        await _db.InsertWorkflowStatusAsync(NewRow("c", "oc", inputs: "[3]"), default);
        await _db.RecordOperationAsync("a", "oa", new OperationRecord(0, "s0", "1", null, "portable_json"), default);
        await _db.RecordOperationAsync("a", "oa", new OperationRecord(1, "s1", "2", null, "portable_json"), default);
        var claimed = await _db.ClaimForRecoveryAsync(
            [new RecoveryClaim("a", "oa", "na"), new RecoveryClaim("b", "not-the-owner", "nb"), new RecoveryClaim("c", "oc", "nc")], "exec", default);
        Assert.That(claimed.Select(c => (c.Row.WorkflowId, c.Row.OwnerXid, c.Row.Inputs, c.Operations.Count)).OrderBy(c => c.WorkflowId),
            Is.EqualTo(new[] { ("a", "na", "[1]", 2), ("c", "nc", "[3]", 0) }));
        Assert.That(claimed.Single(c => c.Row.WorkflowId == "a").Operations.Select(o => o.FunctionName), Is.EqualTo(new[] { "s0", "s1" }));
        Assert.That(await RowsAsync(_url, "SELECT workflow_uuid, owner_xid FROM dbos.workflow_status ORDER BY workflow_uuid"), Is.EqualTo(new[] { "a | na", "b | ob", "c | nc" }));
    }

    [Test]
    public async Task Recovery_claim_succeeds_once_among_concurrent_claimers()
    {
        await _db.InsertWorkflowStatusAsync(NewRow("wf", "crashed-owner", inputs: "[\"in\"]"), default);
        _time.Advance(TimeSpan.FromSeconds(1));
        await using var other = NewSystemDatabase(_url);

        var claims = await Task.WhenAll(
            Task.Run(() => ClaimAsync(_db, "wf", "crashed-owner", "claimer-a", "exec-a")),
            Task.Run(() => ClaimAsync(other, "wf", "crashed-owner", "claimer-b", "exec-b")));

        var winners = claims.Where(c => c is not null).ToList();
        Assert.That(winners, Has.Count.EqualTo(1));
        var won = winners[0]!;
        Assert.That(won.OwnerXid, Is.AnyOf("claimer-a", "claimer-b"));
        Assert.That(won.ExecutorId, Is.EqualTo(won.OwnerXid == "claimer-a" ? "exec-a" : "exec-b"));
        Assert.That((won.RecoveryAttempts, won.Inputs, won.Status, won.Name), Is.EqualTo((2L, "[\"in\"]", "PENDING", "Orders.Process")));
        Assert.That(await RowsAsync(_url, "SELECT owner_xid, recovery_attempts FROM dbos.workflow_status"), Is.EqualTo(new[] { $"{won.OwnerXid} | 2" }));

        // The claimed row can be claimed again only by whoever holds the new token.
        Assert.That(await ClaimAsync(_db, "wf", "crashed-owner", "late", "exec-c"), Is.Null);
        Assert.That(await ClaimAsync(_db, "wf", won.OwnerXid!, "next", "exec-c"), Is.Not.Null);
    }

    [Test]
    public async Task Recovery_claim_of_a_finished_workflow_fails()
    {
        await _db.InsertWorkflowStatusAsync(NewRow("wf", "o"), default);
        await _db.RecordWorkflowOutcomeAsync("wf", "o", new WorkflowOutcome("SUCCESS", "1", null, "portable_json", 2), default);
        Assert.That(await ClaimAsync(_db, "wf", "o", "n", "e"), Is.Null);
        Assert.That(await ClaimAsync(_db, "missing", "o", "n", "e"), Is.Null);
    }

    [Test]
    public async Task Recovery_claim_reads_legacy_inputs()
    {
        await ExecuteAsync(_url, "INSERT INTO dbos.workflow_status (workflow_uuid, status, name, inputs, owner_xid, executor_id) VALUES ('wf', 'PENDING', 'wf', '[3]', 'old', 'local')");
        var claimed = await ClaimAsync(_db, "wf", "old", "new", "local");
        Assert.That((claimed!.Inputs, claimed.RecoveryAttempts, claimed.UpdatedAt), Is.EqualTo(("[3]", 1L, _time.GetUtcNow().ToUnixTimeMilliseconds())));
    }

    [Test]
    public async Task Dead_lettering_sets_the_status_and_clears_queue_fields()
    {
        await _db.InsertWorkflowStatusAsync(NewRow("wf", "o") with { QueueName = "q" }, default);
        await ExecuteAsync(_url, "UPDATE dbos.workflow_status SET deduplication_id = 'd'");
        await _db.MarkMaxRecoveryAttemptsExceededAsync("wf", default);

        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        Assert.That(await RowsAsync(_url, "SELECT status, completed_at, queue_name, deduplication_id, started_at_epoch_ms FROM dbos.workflow_status"),
            Is.EqualTo(new[] { $"MAX_RECOVERY_ATTEMPTS_EXCEEDED | {now} | NULL | NULL | NULL" }));
        // A dead-lettered workflow is no longer PENDING: its owner can no longer write an outcome.
        Assert.That(await _db.RecordWorkflowOutcomeAsync("wf", "o", new WorkflowOutcome("SUCCESS", "1", null, "portable_json", 1), default), Is.False);
    }

    [Test]
    public async Task Dead_lettering_leaves_finished_workflows_alone()
    {
        await _db.InsertWorkflowStatusAsync(NewRow("wf", "o"), default);
        await _db.RecordWorkflowOutcomeAsync("wf", "o", new WorkflowOutcome("SUCCESS", "1", null, "portable_json", 2), default);
        await _db.MarkMaxRecoveryAttemptsExceededAsync("wf", default);
        Assert.That(await ScalarAsync<string>(_url, "SELECT status FROM dbos.workflow_status"), Is.EqualTo("SUCCESS"));
    }

    [Test]
    public async Task Application_version_registration_is_idempotent_and_reports_the_latest()
    {
        Assert.That(await _db.RegisterApplicationVersionAsync("v1", null, default), Is.True);
        Assert.That(await _db.RegisterApplicationVersionAsync("v1", null, default), Is.True);
        await ExecuteAsync(_url, "UPDATE dbos.application_versions SET version_timestamp = version_timestamp - 10000");

        Assert.That(await _db.RegisterApplicationVersionAsync("v2", null, default), Is.True);
        Assert.That(await _db.RegisterApplicationVersionAsync("v1", null, default), Is.False, "v1 is older than v2");
        Assert.That(await RowsAsync(_url, "SELECT version_name FROM dbos.application_versions ORDER BY version_name"), Is.EqualTo(new[] { "v1", "v2" }));
        Assert.That(await ScalarAsync<long>(_url, "SELECT count(DISTINCT version_id) FROM dbos.application_versions"), Is.EqualTo(2));
    }

    [Test]
    public async Task Application_version_is_claimed_by_its_application()
    {
        Assert.That(await _db.RegisterApplicationVersionAsync("v1", "shop", default), Is.True);
        Assert.That(await RowsAsync(_url, "SELECT version_name, application_name FROM dbos.application_versions"), Is.EqualTo(new[] { "v1 | shop" }));
        // Versions of other applications do not make ours stale.
        await ExecuteAsync(_url, "UPDATE dbos.application_versions SET version_timestamp = version_timestamp - 10000");
        await ExecuteAsync(_url, "INSERT INTO dbos.application_versions (version_id, version_name, application_name) VALUES ('x', 'b1', 'billing')");
        Assert.That(await _db.RegisterApplicationVersionAsync("v1", "shop", default), Is.True);
        // The same version name already registered by another application: no second row, no error.
        Assert.That(await _db.RegisterApplicationVersionAsync("b1", "shop", default), Is.True);
        Assert.That(await ScalarAsync<long>(_url, "SELECT count(*) FROM dbos.application_versions"), Is.EqualTo(2));
    }

    [Test]
    public async Task Racing_starts_of_one_ID_have_one_owner_and_one_input()
    {
        var databases = Enumerable.Range(0, 6).Select(_ => NewSystemDatabase(_url)).ToArray();
        try
        {
            for (var round = 0; round < 10; round++)
            {
                var id = $"wf-{round}";
                var results = await Task.WhenAll(databases.Select((d, i) => Task.Run(() =>
                    d.InsertWorkflowStatusAsync(NewRow(id, $"owner-{i}", inputs: $"[{i}]"), default))));
                var winners = results.Where(r => r.Inserted).ToList();
                Assert.That(winners, Has.Count.EqualTo(1), $"{id}: exactly one start executes the body");
                Assert.That(results.Select(r => r.OwnerXid).Distinct(), Is.EqualTo(new[] { winners[0].OwnerXid }));
                var winner = winners[0].OwnerXid!["owner-".Length..];
                Assert.That((await _db.GetWorkflowStatusAsync(id, true, default))!.Inputs, Is.EqualTo($"[{winner}]"));
            }
        }
        finally
        {
            foreach (var d in databases)
            {
                await d.DisposeAsync();
            }
        }
    }

    [Test]
    public async Task Pool_and_statement_preparation_follow_the_options()
    {
        await using var db = NewSystemDatabase(_url, new DbosOptions { SystemDatabasePoolSize = 7, ConnectTimeout = TimeSpan.FromSeconds(2.5) });
        var settings = db.Settings;
        Assert.That((settings.MaxPoolSize, settings.Timeout, settings.NoResetOnClose), Is.EqualTo((7, 3, true)));
        Assert.That(settings.MaxAutoPrepare, Is.GreaterThan(0));

        // Given explicitly in the connection string, the user's choice wins.
        await using var explicitly = NewSystemDatabase(TestDatabases.WithDatabase(_url, "x") + "?Timeout=9&Max%20Auto%20Prepare=0");
        Assert.That((explicitly.Settings.Timeout, explicitly.Settings.MaxAutoPrepare), Is.EqualTo((9, 0)));
    }

    [Test]
    public async Task Repeated_calls_run_as_server_side_prepared_statements()
    {
        await _db.InsertWorkflowStatusAsync(NewRow("wf", "o"), default);
        for (var i = 0; i < 3; i++)
        {
            await _db.GetWorkflowStatusAsync("wf", true, default);
            await _db.RecordOperationAsync("wf", "o", new OperationRecord(i, "s", "1", null, "portable_json"), default);
        }

        // Calls one after another reuse the one idle pooled connection: look at its prepared statements.
        await using var connection = await _db.DataSource.OpenConnectionAsync();
        await using var command = new NpgsqlCommand("SELECT statement FROM pg_prepared_statements", connection);
        var statements = new System.Collections.Generic.List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                statements.Add(reader.GetString(0));
            }
        }

        Assert.That(statements, Has.Some.Contains("LEFT JOIN \"dbos\".workflow_input"));
        Assert.That(statements, Has.Some.Contains("INSERT INTO \"dbos\".operation_outputs"));
    }

    // --- SQL functions other languages call -----------------------------------------------------------------

    [Test]
    public async Task Enqueue_function_writes_an_enqueued_portable_workflow_once()
    {
        var id = await ScalarAsync<string>(_url, """
            SELECT dbos.enqueue_workflow('Orders.Process', 'q', ARRAY['1'::json, '"a"'::json], '{"k":2}'::json,
                class_name => 'Orders', workflow_id => 'wf', app_version => 'v1', priority => 3, application_name => 'shop')
            """);
        Assert.That(id, Is.EqualTo("wf"));
        var status = await _db.GetWorkflowStatusAsync("wf", true, default);
        Assert.That((status!.Status, status.Name, status.ClassName, status.QueueName, status.Serialization, status.ApplicationVersion, status.ApplicationName, status.RecoveryAttempts),
            Is.EqualTo(("ENQUEUED", "Orders.Process", "Orders", "q", "portable_json", "v1", "shop", 0L)));
        Assert.That(status.Inputs, Is.EqualTo("{\"positionalArgs\" : [1,\"a\"], \"namedArgs\" : {\"k\":2}}"));
        Assert.That(status.OwnerXid, Is.Not.Null.And.Not.Empty);
        Assert.That(await RowsAsync(_url, "SELECT priority, inputs IS NULL, creator_xid IS NULL, parent_workflow_id IS NULL FROM dbos.workflow_status"), Is.EqualTo(new[] { "3 | True | True | True" }),
            "as DBOS's function: the input lives in workflow_input, creator_xid stays NULL");

        // Same ID again: idempotent, first input kept.
        Assert.That(await ScalarAsync<string>(_url, "SELECT dbos.enqueue_workflow('Orders.Process', 'q', ARRAY['9'::json], workflow_id => 'wf')"), Is.EqualTo("wf"));
        Assert.That((await _db.GetWorkflowStatusAsync("wf", true, default))!.Inputs, Does.Contain("[1,\"a\"]"));
        Assert.That(await ScalarAsync<long>(_url, "SELECT count(*) FROM dbos.workflow_input"), Is.EqualTo(1));

        // Without an ID, a new UUID; with a delay, DELAYED.
        var generated = await ScalarAsync<string>(_url, "SELECT dbos.enqueue_workflow('w', 'q', delay_until_epoch_ms => 99999999999999)");
        Assert.That(Guid.TryParse(generated, out _), Is.True);
        Assert.That((await _db.GetWorkflowStatusAsync(generated!, false, default))!.Status, Is.EqualTo("DELAYED"));
    }

    [Test]
    public async Task Enqueue_function_rejects_a_duplicate_deduplication_id()
    {
        await ExecuteAsync(_url, "SELECT dbos.enqueue_workflow('w', 'q', workflow_id => 'a', deduplication_id => 'd')");
        var e = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(_url, "SELECT dbos.enqueue_workflow('w', 'q', workflow_id => 'b', deduplication_id => 'd')"));
        Assert.That((e!.SqlState, e.MessageText, e.Detail), Is.EqualTo((PostgresErrorCodes.UniqueViolation, "DBOS queue duplicated", "Workflow b with queue q and deduplication ID d already exists")));
        Assert.That(await ScalarAsync<long>(_url, "SELECT count(*) FROM dbos.workflow_status"), Is.EqualTo(1));
    }

    // DBOS's enqueue_workflow raises P0001 (raise_exception) with these messages, and writes nothing.
    [TestCase("SELECT dbos.enqueue_workflow('', 'q')", "Workflow name cannot be null or empty")]
    [TestCase("SELECT dbos.enqueue_workflow(NULL, 'q')", "Workflow name cannot be null or empty")]
    [TestCase("SELECT dbos.enqueue_workflow('w', '')", "Queue name cannot be null or empty")]
    [TestCase("SELECT dbos.enqueue_workflow('w', NULL)", "Queue name cannot be null or empty")]
    [TestCase("SELECT dbos.enqueue_workflow('w', 'q', named_args => '[1]'::json)", "Named args must be a JSON object")]
    [TestCase("SELECT dbos.enqueue_workflow('w', 'q', named_args => '\"x\"'::json)", "Named args must be a JSON object")]
    [TestCase("SELECT dbos.enqueue_workflow('w', 'q', workflow_id => '')", "Workflow ID cannot be an empty string if provided.")]
    [TestCase("SELECT dbos.enqueue_workflow('w', 'q', delay_until_epoch_ms => -1)", "delay_until_epoch_ms must be >= 0")]
    public async Task Enqueue_function_rejects_bad_arguments_as_DBOS_does(string call, string message)
    {
        var e = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(_url, call));
        Assert.That((e!.SqlState, e.MessageText), Is.EqualTo((PostgresErrorCodes.RaiseException, message)));
        Assert.That(await ScalarAsync<long>(_url, "SELECT count(*) FROM dbos.workflow_status") + await ScalarAsync<long>(_url, "SELECT count(*) FROM dbos.workflow_input"), Is.Zero);
    }

    [Test]
    public async Task Enqueue_function_accepts_a_zero_delay_and_NULL_named_args()
    {
        Assert.That(await ScalarAsync<string>(_url, "SELECT dbos.enqueue_workflow('w', 'q', workflow_id => 'now', delay_until_epoch_ms => 0)"), Is.EqualTo("now"));
        Assert.That(await ScalarAsync<string>(_url, "SELECT dbos.enqueue_workflow('w', 'q', named_args => NULL, workflow_id => 'no-named')"), Is.EqualTo("no-named"));
        Assert.That(await RowsAsync(_url, "SELECT workflow_uuid, status FROM dbos.workflow_status ORDER BY workflow_uuid"), Is.EqualTo(new[] { "no-named | ENQUEUED", "now | DELAYED" }));
        Assert.That(await ScalarAsync<string>(_url, "SELECT inputs FROM dbos.workflow_input WHERE workflow_uuid = 'no-named'"), Is.EqualTo("{\"positionalArgs\" : [], \"namedArgs\" : null}"));
    }

    [Test]
    public async Task Send_function_stores_a_message_once_and_notifies_the_receiver()
    {
        await _db.InsertWorkflowStatusAsync(NewRow("wf", "o"), default);
        await using var listener = Connect(_url);
        var payloads = new System.Collections.Concurrent.ConcurrentQueue<string>();
        listener.Notification += (_, n) => payloads.Enqueue(n.Channel + " " + n.Payload);
        await using (var listen = new NpgsqlCommand("LISTEN dbos_notifications_channel", listener))
        {
            await listen.ExecuteNonQueryAsync();
        }

        await ExecuteAsync(_url, "SELECT dbos.send_message('wf', '{\"a\":1}'::json, 'greeting', 'msg-1')");
        await ExecuteAsync(_url, "SELECT dbos.send_message('wf', '{\"a\":2}'::json, 'greeting', 'msg-1')");
        await ExecuteAsync(_url, "SELECT dbos.send_message('wf', '3'::json)");
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (payloads.Count < 2 && DateTime.UtcNow < deadline)
        {
            await listener.WaitAsync(TimeSpan.FromMilliseconds(200));
        }

        Assert.That(payloads, Is.EqualTo(new[] { "dbos_notifications_channel wf::greeting", "dbos_notifications_channel wf::__null__topic__" }));
        Assert.That(await RowsAsync(_url, "SELECT message_uuid = 'msg-1', topic, message, serialization, consumed FROM dbos.notifications ORDER BY created_at_epoch_ms, topic"),
            Is.EquivalentTo(new[] { "True | greeting | {\"a\":1} | portable_json | False", "False | __null__topic__ | 3 | portable_json | False" }));
    }

    [Test]
    public async Task Send_function_rejects_a_missing_destination()
    {
        var e = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(_url, "SELECT dbos.send_message('nobody', '1'::json)"));
        Assert.That((e!.SqlState, e.MessageText, e.Detail), Is.EqualTo((PostgresErrorCodes.ForeignKeyViolation, "DBOS non-existent workflow", "Destination workflow nobody does not exist")));
    }
}
