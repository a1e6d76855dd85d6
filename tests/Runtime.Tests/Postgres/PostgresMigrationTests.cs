using System;
using System.Linq;
using System.Threading.Tasks;
using Npgsql;
using NUnit.Framework;
using static Dbos.Tests.Postgres.PostgresTestSupport;

namespace Dbos.Tests.Postgres;

/// <summary>The system database layout: parity with DBOS 5.3 at migration 123, idempotent and concurrent migration,
/// databases created or upgraded by other DBOS versions.</summary>
[TestFixture]
public sealed class PostgresMigrationTests
{
    [Test]
    public async Task Fresh_database_has_exactly_the_reference_layout()
    {
        var referenceUrl = await TestDatabases.CreatePostgresDatabaseAsync("pg_reference");
        await LoadReferenceSchemaAsync(referenceUrl, version: null);
        var expected = await ReadCatalogAsync(referenceUrl);

        var (url, database) = await NewMigratedDatabaseAsync("pg_parity");
        await using (database)
        {
            var actual = await ReadCatalogAsync(url);
            AssertSameCatalog(expected, actual, "The migrated schema");
            Assert.That(actual["tables"], Has.Count.EqualTo(13));
            Assert.That(await RowsAsync(url, "SELECT version FROM dbos.dbos_migrations"), Is.EqualTo(new[] { "123" }));
        }
    }

    [Test]
    public async Task Functions_pin_their_search_path()
    {
        var (url, database) = await NewMigratedDatabaseAsync("pg_fn_path");
        await using (database)
        {
            var configs = await RowsAsync(url,
                "SELECT proname || ' ' || array_to_string(proconfig, ',') FROM pg_proc WHERE pronamespace = 'dbos'::regnamespace ORDER BY proname");
            Assert.That(configs, Is.EqualTo(new[]
            {
                "enqueue_workflow search_path=pg_catalog, pg_temp",
                "notifications_function search_path=pg_catalog, pg_temp",
                "send_message search_path=pg_catalog, pg_temp",
            }));
        }
    }

    [Test]
    public async Task Migrating_twice_changes_nothing()
    {
        var (url, database) = await NewMigratedDatabaseAsync("pg_twice");
        await using (database)
        {
            var before = await ReadCatalogAsync(url);
            await database.MigrateAsync(default);
            await using var again = NewSystemDatabase(url);
            await again.MigrateAsync(default);
            AssertSameCatalog(before, await ReadCatalogAsync(url), "The schema after migrating again");
            Assert.That(await RowsAsync(url, "SELECT version FROM dbos.dbos_migrations"), Is.EqualTo(new[] { "123" }));
        }
    }

    [Test]
    public async Task Eight_processes_migrating_at_once_all_succeed()
    {
        var url = await TestDatabases.CreatePostgresDatabaseAsync("pg_concurrent");
        var databases = Enumerable.Range(0, 8).Select(_ => NewSystemDatabase(url)).ToArray();
        try
        {
            await Task.WhenAll(databases.Select(d => Task.Run(() => d.MigrateAsync(default))));
        }
        finally
        {
            foreach (var d in databases)
            {
                await d.DisposeAsync();
            }
        }

        Assert.That(await RowsAsync(url, "SELECT version FROM dbos.dbos_migrations"), Is.EqualTo(new[] { "123" }));
        Assert.That(await ScalarAsync<long>(url, "SELECT count(*) FROM pg_tables WHERE schemaname = 'dbos'"), Is.EqualTo(13));
    }

    [Test]
    public async Task Concurrent_migration_works_when_the_database_defaults_to_serializable()
    {
        var url = await TestDatabases.CreatePostgresDatabaseAsync("pg_serializable");
        var name = new NpgsqlConnectionStringBuilder(Dbos.SystemDatabase.Postgres.PostgresConnectionStrings.Normalize(url)).Database;
        await ExecuteAsync(url, $"ALTER DATABASE \"{name}\" SET default_transaction_isolation = 'serializable'");
        var databases = Enumerable.Range(0, 4).Select(_ => NewSystemDatabase(url)).ToArray();
        try
        {
            await Task.WhenAll(databases.Select(d => Task.Run(() => d.MigrateAsync(default))));
        }
        finally
        {
            foreach (var d in databases)
            {
                await d.DisposeAsync();
            }
        }

        Assert.That(await RowsAsync(url, "SELECT version FROM dbos.dbos_migrations"), Is.EqualTo(new[] { "123" }));
    }

    [Test]
    public async Task Database_created_by_DBOS_5_3_is_accepted_untouched()
    {
        var url = await TestDatabases.CreatePostgresDatabaseAsync("pg_ts53");
        await LoadReferenceSchemaAsync(url, version: 123);
        await ExecuteAsync(url, "INSERT INTO dbos.workflow_status (workflow_uuid, status, name) VALUES ('existing', 'SUCCESS', 'wf')");
        var before = await ReadCatalogAsync(url);

        await using var database = NewSystemDatabase(url);
        await database.MigrateAsync(default);

        AssertSameCatalog(before, await ReadCatalogAsync(url), "A DBOS 5.3 database after MigrateAsync");
        // The placeholder bodies of the dump were not replaced: nothing was executed against it.
        Assert.That(await ScalarAsync<string>(url, "SELECT prosrc FROM pg_proc WHERE proname = 'send_message'"), Does.Contain("body omitted"));
        Assert.That(await RowsAsync(url, "SELECT version FROM dbos.dbos_migrations"), Is.EqualTo(new[] { "123" }));
        Assert.That((await database.GetWorkflowStatusAsync("existing", true, default))!.Status, Is.EqualTo("SUCCESS"));
    }

    [Test]
    public async Task Database_migrated_by_a_newer_DBOS_is_accepted()
    {
        var url = await TestDatabases.CreatePostgresDatabaseAsync("pg_newer");
        await LoadReferenceSchemaAsync(url, version: 130);
        await using var database = NewSystemDatabase(url);
        await database.MigrateAsync(default);
        Assert.That(await RowsAsync(url, "SELECT version FROM dbos.dbos_migrations"), Is.EqualTo(new[] { "130" }));
    }

    [Test]
    public async Task Database_older_than_108_is_refused_with_the_command_that_migrates_it()
    {
        var url = await TestDatabases.CreatePostgresDatabaseAsync("pg_old");
        await ExecuteAsync(url, "CREATE SCHEMA dbos; CREATE TABLE dbos.dbos_migrations (version bigint PRIMARY KEY); INSERT INTO dbos.dbos_migrations VALUES (47)");
        await using var database = NewSystemDatabase(url);
        var e = await Assert.ThrowsAsync<DbosInitializationException>(() => database.MigrateAsync(default));
        Assert.That(e!.Message, Does.Contain("version 47"));
        Assert.That(e.Message, Does.Contain("npx @dbos-inc/dbos-sdk@5 migrate"));
        Assert.That(await RowsAsync(url, "SELECT version FROM dbos.dbos_migrations"), Is.EqualTo(new[] { "47" }));
    }

    // What DBOS Python 2.x / TypeScript 4.x leave at migration 108, obtained by undoing 109-123 on the reference.
    private const string DowngradeTo108Sql = """
        DROP TABLE dbos.workflow_input;
        DROP TABLE dbos.workflow_output;
        DROP INDEX dbos.idx_operation_outputs_retention;
        ALTER TABLE dbos.operation_outputs DROP COLUMN retention_timestamp;
        ALTER TABLE dbos.operation_outputs ADD CONSTRAINT operation_outputs_workflow_uuid_fkey FOREIGN KEY (workflow_uuid)
            REFERENCES dbos.workflow_status(workflow_uuid) ON UPDATE CASCADE ON DELETE CASCADE;
        CREATE INDEX idx_notifications ON dbos.notifications (destination_uuid, topic);
        DROP INDEX dbos.idx_workflow_status_in_flight_v2;
        CREATE INDEX idx_workflow_status_in_flight ON dbos.workflow_status (queue_name, status, priority, created_at)
            WHERE status IN ('ENQUEUED', 'PENDING');
        DROP INDEX dbos.idx_workflow_status_partition_dequeue_v3;
        CREATE INDEX idx_workflow_status_partition_dequeue_v2 ON dbos.workflow_status
            (queue_name, status, queue_partition_key, priority, created_at, workflow_uuid)
            WHERE status IN ('ENQUEUED', 'PENDING') AND queue_partition_key IS NOT NULL;
        DROP INDEX dbos.idx_operation_outputs_completed_at_function_name_v2;
        CREATE INDEX idx_operation_outputs_completed_at_function_name ON dbos.operation_outputs (completed_at_epoch_ms, function_name);
        ALTER TABLE dbos.notifications DROP COLUMN consumed_by_function_id;
        DROP INDEX dbos.idx_workflow_status_deadline;
        ALTER TABLE dbos.workflow_status DROP COLUMN creator_xid;
        INSERT INTO dbos.dbos_migrations (version) VALUES (108);
        INSERT INTO dbos.workflow_status (workflow_uuid, status, name, inputs, output, serialization, owner_xid)
            VALUES ('legacy', 'SUCCESS', 'wf', '[1,2]', '3', 'portable_json', 'old-owner');
        INSERT INTO dbos.operation_outputs (workflow_uuid, function_id, function_name, output) VALUES ('legacy', 0, 'step', '"x"');
        """;

    [Test]
    public async Task Database_at_108_is_upgraded_to_the_reference_layout_and_keeps_its_rows()
    {
        var referenceUrl = await TestDatabases.CreatePostgresDatabaseAsync("pg_reference");
        await LoadReferenceSchemaAsync(referenceUrl, version: null);
        var expected = await ReadCatalogAsync(referenceUrl);

        var url = await TestDatabases.CreatePostgresDatabaseAsync("pg_v108");
        await LoadReferenceSchemaAsync(url, version: null);
        await ExecuteAsync(url, DowngradeTo108Sql);

        await using var database = NewSystemDatabase(url);
        await database.MigrateAsync(default);

        AssertSameCatalog(expected, await ReadCatalogAsync(url), "A version-108 database after the upgrade");
        Assert.That(await RowsAsync(url, "SELECT version FROM dbos.dbos_migrations"), Is.EqualTo(new[] { "123" }));
        var legacy = await database.GetWorkflowStatusAsync("legacy", loadPayloads: true, default);
        Assert.That((legacy!.Inputs, legacy.Output), Is.EqualTo(("[1,2]", "3")));
        Assert.That((await database.GetOperationsAsync("legacy", default)).Single().Output, Is.EqualTo("\"x\""));
        // The functions now have real bodies: enqueue works.
        Assert.That(await ScalarAsync<string>(url, "SELECT dbos.enqueue_workflow('wf', 'q', workflow_id => 'after-upgrade')"), Is.EqualTo("after-upgrade"));
    }

    [Test]
    public async Task Custom_schema_name_is_quoted_and_used_everywhere()
    {
        const string schema = "My DBOS";
        var options = new DbosOptions { SystemDatabaseSchema = schema };
        var (url, database) = await NewMigratedDatabaseAsync("pg_schema", options);
        await using (database)
        {
            Assert.That(await ScalarAsync<long>(url, "SELECT count(*) FROM pg_tables WHERE schemaname = 'My DBOS'"), Is.EqualTo(13));
            Assert.That(await ScalarAsync<long>(url, "SELECT count(*) FROM pg_namespace WHERE nspname = 'dbos'"), Is.EqualTo(0));

            var inserted = await database.InsertWorkflowStatusAsync(PostgresSystemDatabaseTests.NewRow("wf-1", "owner-1"), default);
            Assert.That(inserted.Inserted, Is.True);
            await ExecuteAsync(url, "SELECT \"My DBOS\".send_message('wf-1', '\"hi\"'::json, 'topic')");
            await ExecuteAsync(url, "SELECT \"My DBOS\".enqueue_workflow('wf', 'q', workflow_id => 'wf-2')");
            Assert.That((await database.GetWorkflowStatusAsync("wf-2", true, default))!.Status, Is.EqualTo("ENQUEUED"));
            Assert.That(await ScalarAsync<long>(url, "SELECT count(*) FROM \"My DBOS\".notifications"), Is.EqualTo(1));
        }
    }

    [Test]
    public void Schema_name_with_a_dollar_sign_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => NewSystemDatabase("postgresql://u@localhost/db", new DbosOptions { SystemDatabaseSchema = "a$b" }));
    }

    [Test]
    public async Task Missing_database_is_created()
    {
        var name = "pg_created_" + Guid.NewGuid().ToString("N")[..12];
        var url = TestDatabases.WithDatabase(TestDatabases.PostgresServerUrl, name);
        await using var database = NewSystemDatabase(url);
        await database.MigrateAsync(default);
        Assert.That(await RowsAsync(url, "SELECT version FROM dbos.dbos_migrations"), Is.EqualTo(new[] { "123" }));
    }

    [Test]
    public async Task Migration_waits_for_a_DBOS_migrator_holding_the_advisory_lock()
    {
        var url = await TestDatabases.CreatePostgresDatabaseAsync("pg_lock");
        await using var holder = Connect(url);
        await using (var take = new NpgsqlCommand("SELECT pg_advisory_lock(1234567890)", holder))
        {
            await take.ExecuteNonQueryAsync();
        }

        await using var database = NewSystemDatabase(url);
        var migration = database.MigrateAsync(default);
        await Task.Delay(500);
        Assert.That(migration.IsCompleted, Is.False, "migration must wait for the lock");

        await using (var release = new NpgsqlCommand("SELECT pg_advisory_unlock(1234567890)", holder))
        {
            await release.ExecuteNonQueryAsync();
        }

        await migration;
        Assert.That(await RowsAsync(url, "SELECT version FROM dbos.dbos_migrations"), Is.EqualTo(new[] { "123" }));
    }
}
