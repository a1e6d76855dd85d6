using System;
using System.Globalization;
using System.Linq;
using System.Threading.Tasks;
using Dbos.Tests.Context;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NUnit.Framework;

namespace Dbos.Tests.Transactions;

/// <summary>[Transaction] on a real application database (a second PostgreSQL database or SQLite file), beside the system database.</summary>
public sealed class TransactionTests(string engine) : EngineTest(engine)
{
    private string AppDatabase { get; set; } = "";

    private string Outputs => IsPostgres ? "dbos.transaction_outputs" : "transaction_outputs";

    [SetUp]
    public async Task CreateApplicationDatabase()
    {
        AppDatabase = IsPostgres
            ? await TestDatabases.CreatePostgresDatabaseAsync("app_" + TestContext.CurrentContext.Test.MethodName)
            : TestDatabases.NewSqliteFile("app_" + TestContext.CurrentContext.Test.MethodName);
        await ShopDb.CreateAsync(AppDatabase, new Product { Id = 1, Name = "widget", Stock = 10 });
    }

    private Task<DbosRuntime> LaunchWithAppAsync(Action<DbosOptions>? configure = null, int? sqliteBusyTimeoutSeconds = null)
        => LaunchAsync(o =>
        {
            o.UseApplicationDatabase(() => new ShopDb(ShopDb.OptionsFor(AppDatabase, sqliteBusyTimeoutSeconds)));
            configure?.Invoke(o);
        });

    private Task<System.Collections.Generic.List<object?[]>> AppQueryAsync(string sql, params object?[] parameters)
        => QueryOnAsync(AppDatabase, sql, parameters);

    private async Task<int> StockAsync()
        => Convert.ToInt32((await AppQueryAsync("SELECT \"Stock\" FROM \"Products\" WHERE \"Id\" = 1"))[0][0], CultureInfo.InvariantCulture);

    private async Task<object?[]?> OutputRowAsync(string workflowId, int functionId = 0)
        => (await AppQueryAsync($"SELECT output, error, function_name, executor_id, txn_snapshot, txn_id FROM {Outputs} WHERE workflow_uuid = @p1 AND function_id = @p2", workflowId, functionId))
            .SingleOrDefault();

    private async Task<object?[]?> OperationRowAsync(string workflowId, int functionId = 0)
        => (await QueryAsync("SELECT function_name, output, error FROM {s}operation_outputs WHERE workflow_uuid = @p1 AND function_id = @p2", workflowId, functionId))
            .SingleOrDefault();

    [Test]
    public async Task A_transaction_commits_its_changes_with_its_output_row_and_records_it_in_the_system_database()
    {
        await LaunchWithAppAsync();
        int left;
        using (new SetWorkflowID("order-1"))
        {
            left = await TransactionWorkflows.Order(1, 3);
        }

        Assert.That(left, Is.EqualTo(7));
        Assert.That(await StockAsync(), Is.EqualTo(7));
        var output = await OutputRowAsync("order-1");
        Assert.That(output, Is.Not.Null, "transaction_outputs holds the output, in the application database");
        Assert.That(output![0], Is.EqualTo("7"));
        Assert.That(output[1], Is.Null);
        Assert.That(output[2], Is.EqualTo("Reserve"));
        Assert.That(output[3], Is.EqualTo("local"));
        Assert.That(output[4], Is.EqualTo(""));
        Assert.That(output[5], Is.EqualTo(""));
        var operation = await OperationRowAsync("order-1");
        Assert.That(operation, Is.EqualTo(new object?[] { "Reserve", "7", null }));
        Assert.That(await StatusAsync("order-1"), Is.EqualTo(WorkflowStatuses.Success));
    }

    [Test]
    public async Task A_transaction_that_throws_is_rolled_back_and_its_error_is_recorded_and_replayed()
    {
        await LaunchWithAppAsync();
        using (new SetWorkflowID("too-many"))
        {
            Assert.That(await TransactionWorkflows.OrderCatchingFailure(1, 11), Is.EqualTo("failed: only 10 left"));
        }

        Assert.That(await StockAsync(), Is.EqualTo(10), "the saved change was rolled back");
        var output = await OutputRowAsync("too-many");
        Assert.That(output![0], Is.Null);
        Assert.That(output[1], Does.Contain("only 10 left"));
        Assert.That((string?)(await OperationRowAsync("too-many"))![2], Does.Contain("only 10 left"));

        using (new SetWorkflowID("too-many"))
        {
            Assert.That(await TransactionWorkflows.OrderCatchingFailure(1, 11), Is.EqualTo("failed: only 10 left"));
        }

        Assert.That(Probe.Count("reserve"), Is.EqualTo(1));
    }

    [Test]
    public async Task Recovery_after_a_crash_between_commit_and_checkpoint_returns_the_recorded_output_without_running_the_body()
    {
        var first = await LaunchWithAppAsync();
        using (new SetWorkflowID("crashed"))
        {
            await DBOS.StartWorkflowAsync(() => TransactionWorkflows.ReserveThenWait(1, 4, "crashed-gate"));
        }

        await EventuallyAsync(async () => await StepCountAsync("crashed") >= 1, "the transaction was recorded");
        await first.ShutdownAsync();

        // As if the process had died right after the application database committed: no system database record.
        await QueryAsync("DELETE FROM {s}operation_outputs WHERE workflow_uuid = 'crashed' AND function_id = 0");
        var second = await LaunchWithAppAsync();
        var handle = await second.RetrieveWorkflowAsync<string>("crashed");
        Probe.Open("crashed-gate");
        Assert.That(await handle.GetResultAsync(), Is.EqualTo("left 6"));
        Assert.That(Probe.Count("reserve"), Is.EqualTo(1), "the committed transaction did not run again");
        Assert.That(await StockAsync(), Is.EqualTo(6), "its effect appears once");
        Assert.That(await OperationRowAsync("crashed"), Is.EqualTo(new object?[] { "Reserve", "6", null }), "the recorded output is copied to the system database");
    }

    [Test]
    public async Task A_deleted_workflows_transaction_outputs_go_with_it_so_its_ID_starts_afresh()
    {
        await LaunchWithAppAsync();
        using (new SetWorkflowID("reused"))
        {
            Assert.That(await TransactionWorkflows.Order(1, 3), Is.EqualTo(7));
        }

        await DBOS.DeleteWorkflowAsync("reused");
        Assert.That(await OutputRowAsync("reused"), Is.Null, "transaction_outputs lost the deleted workflow's row");

        // A new workflow under the same ID runs its transaction: it does not take the deleted one's output for its own.
        using (new SetWorkflowID("reused"))
        {
            Assert.That(await TransactionWorkflows.Order(1, 2), Is.EqualTo(5));
        }

        Assert.That(await StockAsync(), Is.EqualTo(5));
        Assert.That(Probe.Count("reserve"), Is.EqualTo(2));
    }

    [Test]
    public async Task Garbage_collection_purges_the_transaction_outputs_of_what_it_deletes_and_only_those()
    {
        await LaunchWithAppAsync();
        using (new SetWorkflowID("gc-pending"))
        {
            await DBOS.StartWorkflowAsync(() => TransactionWorkflows.ReserveThenWait(1, 1, "gc-gate"));
        }

        await EventuallyAsync(async () => await StepCountAsync("gc-pending") >= 1, "the pending workflow's transaction was recorded");
        foreach (var id in new[] { "gc-done-1", "gc-done-2" })
        {
            using (new SetWorkflowID(id))
            {
                await TransactionWorkflows.Order(1, 1);
            }
        }

        Assert.That(await DBOS.GarbageCollectAsync(keepRows: 0), Is.EqualTo(2), "both finished workflows, not the pending one");
        Assert.That(await OutputRowAsync("gc-done-1"), Is.Null);
        Assert.That(await OutputRowAsync("gc-done-2"), Is.Null);
        Assert.That(await StatusAsync("gc-done-1"), Is.Null);
        Assert.That(await OutputRowAsync("gc-pending"), Is.Not.Null, "the running workflow keeps its transaction's output");
        Assert.That(await StatusAsync("gc-pending"), Is.EqualTo(WorkflowStatuses.Pending));

        Probe.Open("gc-gate");
        var handle = await DBOS.RetrieveWorkflowAsync<string>("gc-pending");
        Assert.That(await handle.GetResultAsync(), Is.EqualTo("left 9"));
        Assert.That(Probe.Count("reserve"), Is.EqualTo(3), "each transaction ran once");
    }

    [Test]
    public async Task Recovery_replays_a_transaction_checkpointed_in_the_system_database()
    {
        var first = await LaunchWithAppAsync();
        using (new SetWorkflowID("resumed"))
        {
            await DBOS.StartWorkflowAsync(() => TransactionWorkflows.ReserveThenWait(1, 2, "resumed-gate"));
        }

        await EventuallyAsync(async () => await StepCountAsync("resumed") >= 1, "the transaction was recorded");
        await first.ShutdownAsync();

        var second = await LaunchWithAppAsync();
        var handle = await second.RetrieveWorkflowAsync<string>("resumed");
        Probe.Open("resumed-gate");
        Assert.That(await handle.GetResultAsync(), Is.EqualTo("left 8"));
        Assert.That(Probe.Count("reserve"), Is.EqualTo(1));
        Assert.That(await StockAsync(), Is.EqualTo(8));
    }

    [Test]
    public async Task Two_conflicting_serializable_transactions_both_commit_through_retries()
    {
        await AppQueryAsync("INSERT INTO \"Counters\" (\"Name\", \"Value\") VALUES ('hits', 0)");
        var logs = new CapturingLoggerProvider();
        using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Information));

        // SQLite: the second BEGIN IMMEDIATE waits 1 s for the write lock, then fails BUSY and is retried.
        await LaunchWithAppAsync(o => o.LoggerFactory = loggerFactory, sqliteBusyTimeoutSeconds: 1);
        var results = await Task.WhenAll(
            Task.Run(() => TransactionWorkflows.IncrementWorkflow("hits")),
            Task.Run(() => TransactionWorkflows.IncrementWorkflow("hits")));

        Assert.That(results.OrderBy(r => r), Is.EqualTo(new long[] { 1, 2 }));
        Assert.That(Convert.ToInt64((await AppQueryAsync("SELECT \"Value\" FROM \"Counters\" WHERE \"Name\" = 'hits'"))[0][0], CultureInfo.InvariantCulture), Is.EqualTo(2));
        Assert.That(logs.Entries.Select(e => e.Message), Has.Some.Contains("Transaction Increment").And.Contains("retrying"), "one of them was retried");
        if (IsPostgres)
        {
            Assert.That(Probe.Count("increment"), Is.GreaterThanOrEqualTo(3), "the loser ran again after a serialization failure");
        }

        Assert.That(await CountAsync("SELECT COUNT(*) FROM {s}workflow_status WHERE status = 'SUCCESS'"), Is.EqualTo(2));
    }

    [Test]
    public async Task Concurrent_serializable_transactions_on_disjoint_rows_commit_in_about_one_attempt_each()
    {
        // Before the recorded-output check moved out of the transaction, every attempt read transaction_outputs and then
        // wrote there, so concurrent serializable transactions aborted each other: 3.96 attempts per commit for 200 of them.
        // SQLite serializes writers anyway (BEGIN IMMEDIATE); a few are enough there and keep the test short.
        var transactions = IsPostgres ? 200 : 20;
        await LaunchWithAppAsync();
        var names = await Task.WhenAll(Enumerable.Range(0, transactions).Select(i => Task.Run(() => TransactionWorkflows.InsertCounterWorkflow($"row-{i}"))));
        Assert.That(names.Distinct().Count(), Is.EqualTo(transactions));
        Assert.That(Convert.ToInt64((await AppQueryAsync("SELECT COUNT(*) FROM \"Counters\""))[0][0], CultureInfo.InvariantCulture), Is.EqualTo(transactions));
        var attemptsPerCommit = Probe.Count("insert-attempt") / (double)transactions;
        TestContext.Out.WriteLine($"{Engine}: {attemptsPerCommit:0.00} attempts per commit ({Probe.Count("insert-attempt")} attempts, {transactions} commits)");
        Assert.That(attemptsPerCommit, Is.LessThanOrEqualTo(1.1));
    }

    [Test]
    public async Task The_isolation_level_and_read_only_reach_the_database()
    {
        await LaunchWithAppAsync();
        if (IsPostgres)
        {
            Assert.That(await TransactionWorkflows.IsolationLevels(), Is.EqualTo("serializable,repeatable read,read committed,on"));
        }
        else
        {
            // SQLite transactions are serializable; read-only is PRAGMA query_only, reset afterwards.
            Assert.That(TransactionWorkflows.QueryOnlySqlite(), Is.EqualTo("1"));
            Assert.That(TransactionWorkflows.NotQueryOnlySqlite(), Is.EqualTo("0"));
        }

        Assert.That(async () => await TransactionWorkflows.WriteInReadOnly(1), Throws.Exception);
        Assert.That(await StockAsync(), Is.EqualTo(10));
    }

    [Test]
    public async Task A_transaction_called_outside_a_workflow_runs_in_a_temporary_workflow()
    {
        await LaunchWithAppAsync();
        using (new SetWorkflowID("temp-1"))
        {
            Assert.That(await TransactionWorkflows.Reserve(1, 1), Is.EqualTo(9));
        }

        var status = await QueryAsync("SELECT name, class_name, status FROM {s}workflow_status WHERE workflow_uuid = 'temp-1'");
        Assert.That(status.Single(), Is.EqualTo(new object?[] { "<temp>.Reserve", "TransactionWorkflows", "SUCCESS" }));
        Assert.That(await OperationRowAsync("temp-1"), Is.EqualTo(new object?[] { "Reserve", "9", null }));
        Assert.That((await OutputRowAsync("temp-1"))![0], Is.EqualTo("9"));

        // Calling it again with the same workflow ID returns the recorded result.
        using (new SetWorkflowID("temp-1"))
        {
            Assert.That(await TransactionWorkflows.Reserve(1, 1), Is.EqualTo(9));
        }

        Assert.That(Probe.Count("reserve"), Is.EqualTo(1));
        Assert.That(await StockAsync(), Is.EqualTo(9));
    }

    [Test]
    public async Task Recovery_finishes_a_temporary_workflow_from_the_recorded_transaction()
    {
        var runtime = await LaunchWithAppAsync();
        using (new SetWorkflowID("temp-crashed"))
        {
            await TransactionWorkflows.Reserve(1, 5);
        }

        await runtime.ShutdownAsync();

        // As if the process had died after the commit: the temporary workflow is PENDING and has no checkpoint.
        await QueryAsync("DELETE FROM {s}operation_outputs WHERE workflow_uuid = 'temp-crashed'");
        await QueryAsync("UPDATE {s}workflow_status SET status = 'PENDING' WHERE workflow_uuid = 'temp-crashed'");
        var second = await LaunchWithAppAsync();
        var handle = await second.RetrieveWorkflowAsync<int>("temp-crashed");
        Assert.That(await handle.GetResultAsync(), Is.EqualTo(5));
        Assert.That(Probe.Count("reserve"), Is.EqualTo(1));
        Assert.That(await StockAsync(), Is.EqualTo(5));
        Assert.That(await StatusAsync("temp-crashed"), Is.EqualTo(WorkflowStatuses.Success));
    }

    [Test]
    public async Task A_transaction_in_a_step_is_an_unrecorded_database_transaction()
    {
        await LaunchWithAppAsync();
        await TransactionWorkflows.Order(1, 1); // creates transaction_outputs
        using (new SetWorkflowID("in-step"))
        {
            Assert.That(await TransactionWorkflows.StepCallingTransaction(1), Is.EqualTo(8));
        }

        Assert.That(await OperationRowAsync("in-step"), Is.EqualTo(new object?[] { "ReserveInStep", "8", null }));
        Assert.That(await OutputRowAsync("in-step"), Is.Null);
        Assert.That(await StockAsync(), Is.EqualTo(8));
    }

    [Test]
    public async Task A_transaction_called_in_a_transaction_joins_it()
    {
        await LaunchWithAppAsync();
        using (new SetWorkflowID("joined"))
        {
            Assert.That(await TransactionWorkflows.ReserveTwiceWorkflow(1, false), Is.EqualTo(8));
        }

        Assert.That(await StockAsync(), Is.EqualTo(8));
        Assert.That(await CountAsync("SELECT COUNT(*) FROM {s}operation_outputs WHERE workflow_uuid = 'joined'"), Is.EqualTo(1), "one recorded operation");
        Assert.That(await OperationRowAsync("joined"), Is.EqualTo(new object?[] { "ReserveTwice", "8", null }));

        await Assert.ThrowsAsync<InvalidOperationException>(() => TransactionWorkflows.ReserveTwiceWorkflow(1, true));
        Assert.That(await StockAsync(), Is.EqualTo(8), "the inner changes were rolled back with the outer transaction");
    }

    [Test]
    public async Task SqlSession_outside_a_transaction_says_where_it_may_be_used()
    {
        await LaunchWithAppAsync();
        var error = Assert.Throws<InvalidOperationException>(() => _ = DBOS.SqlSession);
        Assert.That(error!.Message, Does.Contain("only be used inside a [Transaction] method"));
        Assert.Throws<InvalidOperationException>(() => DBOS.SqlSession<ShopDb>());
    }

    [TestCase("commit")]
    [TestCase("commit-current")]
    [TestCase("rollback")]
    [TestCase("begin")]
    public async Task Taking_over_the_transaction_is_refused_and_nothing_is_committed(string how)
    {
        await LaunchWithAppAsync();
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => TransactionWorkflows.HijackWorkflow(1, how));
        Assert.That(error!.Message, Does.Contain("the DBOS runtime").And.Contain("[Transaction]"));
        Assert.That(await StockAsync(), Is.EqualTo(10), "nothing was committed");
    }

    [Test]
    public async Task Without_an_application_database_a_transaction_names_the_option_to_set()
    {
        var logs = new CapturingLoggerProvider();
        using var loggerFactory = LoggerFactory.Create(builder => builder.AddProvider(logs));
        await LaunchAsync(o => o.LoggerFactory = loggerFactory);
        Assert.That(logs.Entries.Select(e => e.Message), Has.Some.Contain("no application database is configured").And.Contain("UseApplicationDatabase"),
            "the start warns, since [Transaction] methods are registered");
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => TransactionWorkflows.Order(1, 1));
        Assert.That(error!.Message, Does.Contain("UseApplicationDatabase").And.Contain("Reserve"));
    }

    [Test]
    public async Task The_application_DbContext_comes_from_dependency_injection()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddDbContext<ShopDb>(o =>
        {
            if (IsPostgres)
            {
                o.UseNpgsql(Dbos.SystemDatabase.Postgres.PostgresConnectionStrings.Normalize(AppDatabase));
            }
            else
            {
                o.UseSqlite($"Data Source={AppDatabase}");
            }
        });
        builder.Services.AddDbos(options =>
        {
            options.SystemDatabaseUrl = Database;
            options.ShutdownTimeout = TimeSpan.Zero;
            options.UseApplicationDatabase<ShopDb>();
        });
        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            using (host.Services.GetRequiredService<DbosRuntime>().Use())
            {
                Assert.That(await TransactionWorkflows.Order(1, 2), Is.EqualTo(8));
            }

            Assert.That(await StockAsync(), Is.EqualTo(8));
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Test]
    public async Task The_application_database_may_be_the_system_database()
    {
        await ShopDb.CreateAsync(Database, new Product { Id = 1, Name = "widget", Stock = 10 });
        await LaunchAsync(o => o.UseApplicationDatabase(() => new ShopDb(ShopDb.OptionsFor(Database))));
        using (new SetWorkflowID("same-db"))
        {
            Assert.That(await TransactionWorkflows.Order(1, 1), Is.EqualTo(9));
        }

        Assert.That(await CountAsync($"SELECT COUNT(*) FROM {Outputs} WHERE workflow_uuid = 'same-db'"), Is.EqualTo(1));
        Assert.That(await StatusAsync("same-db"), Is.EqualTo(WorkflowStatuses.Success));
    }
}
