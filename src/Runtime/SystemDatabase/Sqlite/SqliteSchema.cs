namespace Dbos.SystemDatabase.Sqlite;

/// <summary>The DBOS system tables in SQLite: the PostgreSQL layout at version 123 with SQLite types, unqualified
/// table names (as DBOS Python's SQLite support has them), no functions, triggers or GIN index.</summary>
internal static class SqliteSchema
{
    public const long Version = 123;

    private const string NowMs = "(CAST(unixepoch('subsec') * 1000 AS INTEGER))";

    public const string Create = $"""
        CREATE TABLE IF NOT EXISTS dbos_migrations (version INTEGER NOT NULL PRIMARY KEY);

        CREATE TABLE IF NOT EXISTS workflow_status (
            workflow_uuid TEXT NOT NULL PRIMARY KEY,
            status TEXT,
            name TEXT,
            authenticated_user TEXT,
            assumed_role TEXT,
            authenticated_roles TEXT,
            request TEXT,
            output TEXT,
            error TEXT,
            executor_id TEXT,
            created_at INTEGER NOT NULL DEFAULT {NowMs},
            updated_at INTEGER NOT NULL DEFAULT {NowMs},
            application_version TEXT,
            application_id TEXT,
            class_name TEXT DEFAULT NULL,
            config_name TEXT DEFAULT NULL,
            recovery_attempts INTEGER DEFAULT 0,
            queue_name TEXT,
            workflow_timeout_ms INTEGER,
            workflow_deadline_epoch_ms INTEGER,
            inputs TEXT,
            started_at_epoch_ms INTEGER,
            deduplication_id TEXT,
            priority INTEGER NOT NULL DEFAULT 0,
            queue_partition_key TEXT,
            forked_from TEXT,
            owner_xid TEXT DEFAULT NULL,
            parent_workflow_id TEXT DEFAULT NULL,
            serialization TEXT DEFAULT NULL,
            delay_until_epoch_ms INTEGER DEFAULT NULL,
            was_forked_from INTEGER NOT NULL DEFAULT 0,
            rate_limited INTEGER NOT NULL DEFAULT 0,
            completed_at INTEGER,
            attributes TEXT,
            schedule_name TEXT,
            debounce_deadline_epoch_ms INTEGER DEFAULT NULL,
            is_debounced INTEGER NOT NULL DEFAULT 0,
            application_name TEXT DEFAULT NULL,
            creator_xid TEXT DEFAULT NULL
        );
        CREATE INDEX IF NOT EXISTS workflow_status_created_at_index ON workflow_status (created_at);
        CREATE INDEX IF NOT EXISTS idx_workflow_status_delayed ON workflow_status (delay_until_epoch_ms) WHERE status = 'DELAYED';
        CREATE INDEX IF NOT EXISTS idx_workflow_status_forked_from ON workflow_status (forked_from) WHERE forked_from IS NOT NULL;
        CREATE INDEX IF NOT EXISTS idx_workflow_status_parent_workflow_id ON workflow_status (parent_workflow_id) WHERE parent_workflow_id IS NOT NULL;
        CREATE UNIQUE INDEX IF NOT EXISTS uq_workflow_status_dedup_id ON workflow_status (queue_name, deduplication_id) WHERE deduplication_id IS NOT NULL;
        CREATE INDEX IF NOT EXISTS idx_workflow_status_pending ON workflow_status (created_at) WHERE status = 'PENDING';
        CREATE INDEX IF NOT EXISTS idx_workflow_status_failed ON workflow_status (status, created_at) WHERE status IN ('ERROR', 'CANCELLED', 'MAX_RECOVERY_ATTEMPTS_EXCEEDED');
        CREATE INDEX IF NOT EXISTS idx_workflow_status_in_flight_v2 ON workflow_status (queue_name, status, priority, created_at, application_name) WHERE status IN ('ENQUEUED', 'PENDING');
        CREATE INDEX IF NOT EXISTS idx_workflow_status_rate_limited ON workflow_status (queue_name, started_at_epoch_ms) WHERE rate_limited = 1;
        CREATE INDEX IF NOT EXISTS idx_workflow_status_completed_at ON workflow_status (completed_at) WHERE completed_at IS NOT NULL;
        CREATE INDEX IF NOT EXISTS idx_workflow_status_started_at ON workflow_status (started_at_epoch_ms) WHERE started_at_epoch_ms IS NOT NULL;
        CREATE INDEX IF NOT EXISTS idx_workflow_status_schedule_name ON workflow_status (schedule_name) WHERE schedule_name IS NOT NULL;
        CREATE INDEX IF NOT EXISTS idx_workflow_status_partition_dequeue_v3 ON workflow_status (queue_name, status, queue_partition_key, priority, created_at, workflow_uuid, application_name) WHERE status IN ('ENQUEUED', 'PENDING') AND queue_partition_key IS NOT NULL;
        CREATE INDEX IF NOT EXISTS idx_workflow_status_deadline ON workflow_status (workflow_deadline_epoch_ms) WHERE status IN ('ENQUEUED', 'PENDING', 'DELAYED') AND workflow_deadline_epoch_ms IS NOT NULL;

        CREATE TABLE IF NOT EXISTS workflow_input (
            workflow_uuid TEXT NOT NULL PRIMARY KEY,
            inputs TEXT,
            retention_timestamp INTEGER NOT NULL DEFAULT {NowMs}
        );
        CREATE INDEX IF NOT EXISTS idx_workflow_input_retention ON workflow_input (retention_timestamp);

        CREATE TABLE IF NOT EXISTS workflow_output (
            workflow_uuid TEXT NOT NULL PRIMARY KEY,
            output TEXT,
            error TEXT,
            retention_timestamp INTEGER NOT NULL DEFAULT {NowMs}
        );
        CREATE INDEX IF NOT EXISTS idx_workflow_output_retention ON workflow_output (retention_timestamp);

        CREATE TABLE IF NOT EXISTS operation_outputs (
            workflow_uuid TEXT NOT NULL,
            function_id INTEGER NOT NULL,
            function_name TEXT NOT NULL DEFAULT '',
            output TEXT,
            error TEXT,
            child_workflow_id TEXT,
            started_at_epoch_ms INTEGER,
            completed_at_epoch_ms INTEGER,
            serialization TEXT,
            application_name TEXT,
            retention_timestamp INTEGER NOT NULL DEFAULT {NowMs},
            PRIMARY KEY (workflow_uuid, function_id)
        );
        CREATE INDEX IF NOT EXISTS idx_operation_outputs_completed_at_function_name_v2 ON operation_outputs (completed_at_epoch_ms, function_name, application_name);
        CREATE INDEX IF NOT EXISTS idx_operation_outputs_retention ON operation_outputs (retention_timestamp);

        CREATE TABLE IF NOT EXISTS notifications (
            message_uuid TEXT NOT NULL PRIMARY KEY DEFAULT (lower(hex(randomblob(16)))),
            destination_uuid TEXT NOT NULL REFERENCES workflow_status (workflow_uuid) ON UPDATE CASCADE ON DELETE CASCADE,
            topic TEXT,
            message TEXT NOT NULL,
            created_at_epoch_ms INTEGER NOT NULL DEFAULT {NowMs},
            serialization TEXT,
            consumed INTEGER NOT NULL DEFAULT 0,
            consumed_by_function_id INTEGER
        );
        CREATE INDEX IF NOT EXISTS idx_workflow_topic ON notifications (destination_uuid, topic);

        CREATE TABLE IF NOT EXISTS workflow_events (
            workflow_uuid TEXT NOT NULL REFERENCES workflow_status (workflow_uuid) ON UPDATE CASCADE ON DELETE CASCADE,
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            serialization TEXT,
            PRIMARY KEY (workflow_uuid, key)
        );

        CREATE TABLE IF NOT EXISTS workflow_events_history (
            workflow_uuid TEXT NOT NULL REFERENCES workflow_status (workflow_uuid) ON UPDATE CASCADE ON DELETE CASCADE,
            function_id INTEGER NOT NULL,
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            serialization TEXT,
            PRIMARY KEY (workflow_uuid, function_id, key)
        );

        CREATE TABLE IF NOT EXISTS streams (
            workflow_uuid TEXT NOT NULL REFERENCES workflow_status (workflow_uuid) ON UPDATE CASCADE ON DELETE CASCADE,
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            "offset" INTEGER NOT NULL,
            function_id INTEGER NOT NULL DEFAULT 0,
            serialization TEXT,
            PRIMARY KEY (workflow_uuid, key, "offset")
        );

        CREATE TABLE IF NOT EXISTS event_dispatch_kv (
            service_name TEXT NOT NULL,
            workflow_fn_name TEXT NOT NULL,
            key TEXT NOT NULL,
            value TEXT,
            update_seq NUMERIC,
            update_time NUMERIC,
            PRIMARY KEY (service_name, workflow_fn_name, key)
        );

        CREATE TABLE IF NOT EXISTS workflow_schedules (
            schedule_id TEXT NOT NULL PRIMARY KEY,
            schedule_name TEXT NOT NULL UNIQUE,
            workflow_name TEXT NOT NULL,
            workflow_class_name TEXT,
            schedule TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'ACTIVE',
            context TEXT NOT NULL,
            last_fired_at TEXT,
            automatic_backfill INTEGER NOT NULL DEFAULT 0,
            cron_timezone TEXT,
            queue_name TEXT,
            application_name TEXT
        );

        CREATE TABLE IF NOT EXISTS application_versions (
            version_id TEXT NOT NULL PRIMARY KEY,
            version_name TEXT NOT NULL UNIQUE,
            version_timestamp INTEGER NOT NULL DEFAULT {NowMs},
            created_at INTEGER NOT NULL DEFAULT {NowMs},
            application_name TEXT
        );

        CREATE TABLE IF NOT EXISTS queues (
            queue_id TEXT NOT NULL PRIMARY KEY DEFAULT (lower(hex(randomblob(16)))),
            name TEXT NOT NULL UNIQUE,
            concurrency INTEGER,
            worker_concurrency INTEGER,
            rate_limit_max INTEGER,
            rate_limit_period_sec REAL,
            priority_enabled INTEGER NOT NULL DEFAULT 0,
            partition_queue INTEGER NOT NULL DEFAULT 0,
            polling_interval_sec REAL NOT NULL DEFAULT 1.0,
            created_at INTEGER NOT NULL DEFAULT {NowMs},
            updated_at INTEGER NOT NULL DEFAULT {NowMs},
            application_name TEXT,
            partition_concurrency INTEGER,
            partition_worker_concurrency INTEGER,
            partition_rate_limit_max INTEGER,
            partition_rate_limit_period_sec REAL
        );

        INSERT INTO dbos_migrations (version) SELECT 123 WHERE NOT EXISTS (SELECT 1 FROM dbos_migrations);
        """;
}
