using System;
using System.Collections.Generic;
using System.Linq;

namespace Dbos.SystemDatabase.Postgres;

/// <summary>
/// The DDL of the DBOS system database at migration version 123 (the layout DBOS TypeScript 5.3 creates), and the
/// steps that bring a version-108 database (DBOS Python 2.x, TypeScript 4.x) to it. Every statement names the
/// schema as <c>{schema}</c>, replaced by the quoted configured schema name.
/// </summary>
internal static class PostgresSchema
{
    /// <summary>The migration version this layout corresponds to.</summary>
    public const long Version = 123;

    /// <summary>The oldest version <see cref="UpgradeFrom108"/> can bring to <see cref="Version"/>.</summary>
    public const long OldestUpgradableVersion = 108;

    /// <summary>The advisory lock DBOS migrators of every language take, so they and we never migrate at once.</summary>
    public const long MigrationLockKey = 1234567890;

    private const string NowMs = "((EXTRACT(epoch FROM now()) * 1000.0))::bigint";

    /// <summary>A fresh database: schema, tables, keys, indexes, functions, trigger and the version row.</summary>
    public static readonly IReadOnlyList<string> CreateAll =
    [
        "CREATE SCHEMA IF NOT EXISTS {schema}",

        $$"""
        CREATE TABLE {schema}.workflow_status (
            workflow_uuid text NOT NULL,
            status text,
            name text,
            authenticated_user text,
            assumed_role text,
            authenticated_roles text,
            request text,
            output text,
            error text,
            executor_id text,
            created_at bigint DEFAULT {{NowMs}} NOT NULL,
            updated_at bigint DEFAULT {{NowMs}} NOT NULL,
            application_version text,
            application_id text,
            class_name character varying(255) DEFAULT NULL::character varying,
            config_name character varying(255) DEFAULT NULL::character varying,
            recovery_attempts bigint DEFAULT 0,
            queue_name text,
            workflow_timeout_ms bigint,
            workflow_deadline_epoch_ms bigint,
            inputs text,
            started_at_epoch_ms bigint,
            deduplication_id text,
            priority integer DEFAULT 0 NOT NULL,
            queue_partition_key text,
            forked_from text,
            owner_xid text,
            parent_workflow_id text,
            serialization text,
            delay_until_epoch_ms bigint,
            was_forked_from boolean DEFAULT false NOT NULL,
            rate_limited boolean DEFAULT false NOT NULL,
            completed_at bigint,
            attributes jsonb,
            schedule_name text,
            debounce_deadline_epoch_ms bigint,
            is_debounced boolean DEFAULT false NOT NULL,
            application_name text,
            creator_xid text,
            CONSTRAINT workflow_status_pkey PRIMARY KEY (workflow_uuid)
        )
        """,

        $$"""
        CREATE TABLE {schema}.operation_outputs (
            workflow_uuid text NOT NULL,
            function_id integer NOT NULL,
            function_name text DEFAULT ''::text NOT NULL,
            output text,
            error text,
            child_workflow_id text,
            started_at_epoch_ms bigint,
            completed_at_epoch_ms bigint,
            serialization text,
            application_name text,
            retention_timestamp bigint DEFAULT {{NowMs}} NOT NULL,
            CONSTRAINT operation_outputs_pkey PRIMARY KEY (workflow_uuid, function_id)
        )
        """,

        $$"""
        CREATE TABLE {schema}.notifications (
            message_uuid text DEFAULT gen_random_uuid() NOT NULL,
            destination_uuid text NOT NULL,
            topic text,
            message text NOT NULL,
            created_at_epoch_ms bigint DEFAULT {{NowMs}} NOT NULL,
            serialization text,
            consumed boolean DEFAULT false NOT NULL,
            consumed_by_function_id integer,
            CONSTRAINT notifications_pkey PRIMARY KEY (message_uuid),
            CONSTRAINT notifications_destination_uuid_fkey FOREIGN KEY (destination_uuid)
                REFERENCES {schema}.workflow_status(workflow_uuid) ON UPDATE CASCADE ON DELETE CASCADE
        )
        """,

        """
        CREATE TABLE {schema}.workflow_events (
            workflow_uuid text NOT NULL,
            key text NOT NULL,
            value text NOT NULL,
            serialization text,
            CONSTRAINT workflow_events_pkey PRIMARY KEY (workflow_uuid, key),
            CONSTRAINT workflow_events_workflow_uuid_fkey FOREIGN KEY (workflow_uuid)
                REFERENCES {schema}.workflow_status(workflow_uuid) ON UPDATE CASCADE ON DELETE CASCADE
        )
        """,

        """
        CREATE TABLE {schema}.workflow_events_history (
            workflow_uuid text NOT NULL,
            function_id integer NOT NULL,
            key text NOT NULL,
            value text NOT NULL,
            serialization text,
            CONSTRAINT workflow_events_history_pkey PRIMARY KEY (workflow_uuid, function_id, key),
            CONSTRAINT workflow_events_history_workflow_uuid_fkey FOREIGN KEY (workflow_uuid)
                REFERENCES {schema}.workflow_status(workflow_uuid) ON UPDATE CASCADE ON DELETE CASCADE
        )
        """,

        """
        CREATE TABLE {schema}.streams (
            workflow_uuid text NOT NULL,
            key text NOT NULL,
            value text NOT NULL,
            "offset" integer NOT NULL,
            function_id integer DEFAULT 0 NOT NULL,
            serialization text,
            CONSTRAINT streams_pkey PRIMARY KEY (workflow_uuid, key, "offset"),
            CONSTRAINT streams_workflow_uuid_fkey FOREIGN KEY (workflow_uuid)
                REFERENCES {schema}.workflow_status(workflow_uuid) ON UPDATE CASCADE ON DELETE CASCADE
        )
        """,

        """
        CREATE TABLE {schema}.event_dispatch_kv (
            service_name text NOT NULL,
            workflow_fn_name text NOT NULL,
            key text NOT NULL,
            value text,
            update_seq numeric(38,0),
            update_time numeric(38,15),
            CONSTRAINT event_dispatch_kv_pkey PRIMARY KEY (service_name, workflow_fn_name, key)
        )
        """,

        """
        CREATE TABLE {schema}.workflow_schedules (
            schedule_id text NOT NULL,
            schedule_name text NOT NULL,
            workflow_name text NOT NULL,
            workflow_class_name text,
            schedule text NOT NULL,
            status text DEFAULT 'ACTIVE'::text NOT NULL,
            context text NOT NULL,
            last_fired_at text,
            automatic_backfill boolean DEFAULT false NOT NULL,
            cron_timezone text,
            queue_name text,
            application_name text,
            CONSTRAINT workflow_schedules_pkey PRIMARY KEY (schedule_id),
            CONSTRAINT workflow_schedules_schedule_name_key UNIQUE (schedule_name)
        )
        """,

        $$"""
        CREATE TABLE {schema}.application_versions (
            version_id text NOT NULL,
            version_name text NOT NULL,
            version_timestamp bigint DEFAULT {{NowMs}} NOT NULL,
            created_at bigint DEFAULT {{NowMs}} NOT NULL,
            application_name text,
            CONSTRAINT application_versions_pkey PRIMARY KEY (version_id),
            CONSTRAINT application_versions_version_name_key UNIQUE (version_name)
        )
        """,

        $$"""
        CREATE TABLE {schema}.queues (
            queue_id text DEFAULT (gen_random_uuid())::text NOT NULL,
            name text NOT NULL,
            concurrency integer,
            worker_concurrency integer,
            rate_limit_max integer,
            rate_limit_period_sec double precision,
            priority_enabled boolean DEFAULT false NOT NULL,
            partition_queue boolean DEFAULT false NOT NULL,
            polling_interval_sec double precision DEFAULT 1.0 NOT NULL,
            created_at bigint DEFAULT {{NowMs}} NOT NULL,
            updated_at bigint DEFAULT {{NowMs}} NOT NULL,
            application_name text,
            partition_concurrency integer,
            partition_worker_concurrency integer,
            partition_rate_limit_max integer,
            partition_rate_limit_period_sec double precision,
            CONSTRAINT queues_pkey PRIMARY KEY (queue_id),
            CONSTRAINT queues_name_key UNIQUE (name)
        )
        """,

        .. CreatePayloadTables,

        "CREATE INDEX workflow_status_created_at_index ON {schema}.workflow_status USING btree (created_at)",
        "CREATE INDEX idx_workflow_status_delayed ON {schema}.workflow_status USING btree (delay_until_epoch_ms) WHERE (status = 'DELAYED'::text)",
        "CREATE INDEX idx_workflow_status_forked_from ON {schema}.workflow_status USING btree (forked_from) WHERE (forked_from IS NOT NULL)",
        "CREATE INDEX idx_workflow_status_parent_workflow_id ON {schema}.workflow_status USING btree (parent_workflow_id) WHERE (parent_workflow_id IS NOT NULL)",
        "CREATE UNIQUE INDEX uq_workflow_status_dedup_id ON {schema}.workflow_status USING btree (queue_name, deduplication_id) WHERE (deduplication_id IS NOT NULL)",
        "CREATE INDEX idx_workflow_status_pending ON {schema}.workflow_status USING btree (created_at) WHERE (status = 'PENDING'::text)",
        "CREATE INDEX idx_workflow_status_failed ON {schema}.workflow_status USING btree (status, created_at) WHERE (status = ANY (ARRAY['ERROR'::text, 'CANCELLED'::text, 'MAX_RECOVERY_ATTEMPTS_EXCEEDED'::text]))",
        "CREATE INDEX idx_workflow_status_rate_limited ON {schema}.workflow_status USING btree (queue_name, started_at_epoch_ms) WHERE (rate_limited = true)",
        "CREATE INDEX idx_workflow_status_completed_at ON {schema}.workflow_status USING btree (completed_at) WHERE (completed_at IS NOT NULL)",
        "CREATE INDEX idx_workflow_status_started_at ON {schema}.workflow_status USING btree (started_at_epoch_ms) WHERE (started_at_epoch_ms IS NOT NULL)",
        "CREATE INDEX idx_workflow_status_attributes ON {schema}.workflow_status USING gin (attributes) WHERE (attributes IS NOT NULL)",
        "CREATE INDEX idx_workflow_status_schedule_name ON {schema}.workflow_status USING btree (schedule_name) WHERE (schedule_name IS NOT NULL)",
        "CREATE INDEX idx_workflow_topic ON {schema}.notifications USING btree (destination_uuid, topic)",
        "CREATE UNIQUE INDEX uq_application_versions_owner_version ON {schema}.application_versions USING btree (application_name, version_name) WHERE (application_name IS NOT NULL)",
        "CREATE UNIQUE INDEX uq_application_versions_unclaimed_version ON {schema}.application_versions USING btree (version_name) WHERE (application_name IS NULL)",
        .. CreateV5Indexes,

        .. CreateFunctions,
        "CREATE TRIGGER dbos_notifications_trigger AFTER INSERT ON {schema}.notifications FOR EACH ROW EXECUTE FUNCTION {schema}.notifications_function()",

        "CREATE TABLE {schema}.dbos_migrations (version bigint NOT NULL, CONSTRAINT dbos_migrations_pkey PRIMARY KEY (version))",
        "INSERT INTO {schema}.dbos_migrations (version) VALUES (123)",
    ];

    /// <summary>Shared migrations 109–123 (DBOS TypeScript 5.x), applied to a database at version 108.</summary>
    public static readonly IReadOnlyList<string> UpgradeFrom108 =
    [
        // 109: payload tables.
        .. CreatePayloadTables,
        // 110/111: step retention.
        $"ALTER TABLE {{schema}}.operation_outputs ADD COLUMN IF NOT EXISTS retention_timestamp bigint DEFAULT {NowMs} NOT NULL",
        // 112: steps no longer reference workflow_status (either SDK's constraint name).
        "ALTER TABLE {schema}.operation_outputs DROP CONSTRAINT IF EXISTS operation_outputs_workflow_uuid_foreign",
        "ALTER TABLE {schema}.operation_outputs DROP CONSTRAINT IF EXISTS operation_outputs_workflow_uuid_fkey",
        // 114: duplicate of idx_workflow_topic.
        "DROP INDEX IF EXISTS {schema}.idx_notifications",
        // 115-120: in-flight, partition and step indexes with INCLUDE (application_name).
        "DROP INDEX IF EXISTS {schema}.idx_workflow_status_in_flight",
        "DROP INDEX IF EXISTS {schema}.idx_workflow_status_partition_dequeue_v2",
        "DROP INDEX IF EXISTS {schema}.idx_operation_outputs_completed_at_function_name",
        // 121: recv records which step consumed a message.
        "ALTER TABLE {schema}.notifications ADD COLUMN IF NOT EXISTS consumed_by_function_id integer",
        // 123: the token of the insert that created the row.
        "ALTER TABLE {schema}.workflow_status ADD COLUMN IF NOT EXISTS creator_xid text",
        // 111, 115-120, 122 (indexes), then 113 (enqueue_workflow writes workflow_input) and the other functions.
        .. CreateV5Indexes,
        .. CreateFunctions.Select(f => f.Replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", StringComparison.Ordinal)),
        "DROP TRIGGER IF EXISTS dbos_notifications_trigger ON {schema}.notifications",
        "CREATE TRIGGER dbos_notifications_trigger AFTER INSERT ON {schema}.notifications FOR EACH ROW EXECUTE FUNCTION {schema}.notifications_function()",
        "UPDATE {schema}.dbos_migrations SET version = 123",
    ];

    private static IEnumerable<string> CreatePayloadTables =>
    [
        $$"""
        CREATE TABLE IF NOT EXISTS {schema}.workflow_input (
            workflow_uuid text NOT NULL,
            inputs text,
            retention_timestamp bigint DEFAULT {{NowMs}} NOT NULL,
            CONSTRAINT workflow_input_pkey PRIMARY KEY (workflow_uuid)
        )
        """,
        $$"""
        CREATE TABLE IF NOT EXISTS {schema}.workflow_output (
            workflow_uuid text NOT NULL,
            output text,
            error text,
            retention_timestamp bigint DEFAULT {{NowMs}} NOT NULL,
            CONSTRAINT workflow_output_pkey PRIMARY KEY (workflow_uuid)
        )
        """,
        "CREATE INDEX IF NOT EXISTS idx_workflow_input_retention ON {schema}.workflow_input USING btree (retention_timestamp)",
        "CREATE INDEX IF NOT EXISTS idx_workflow_output_retention ON {schema}.workflow_output USING btree (retention_timestamp)",
    ];

    // The indexes DBOS 5.x added or replaced (migrations 111, 115-120, 122).
    private static IEnumerable<string> CreateV5Indexes =>
    [
        "CREATE INDEX IF NOT EXISTS idx_operation_outputs_retention ON {schema}.operation_outputs USING btree (retention_timestamp)",
        "CREATE INDEX IF NOT EXISTS idx_operation_outputs_completed_at_function_name_v2 ON {schema}.operation_outputs USING btree (completed_at_epoch_ms, function_name) INCLUDE (application_name)",
        "CREATE INDEX IF NOT EXISTS idx_workflow_status_in_flight_v2 ON {schema}.workflow_status USING btree (queue_name, status, priority, created_at) INCLUDE (application_name) WHERE (status = ANY (ARRAY['ENQUEUED'::text, 'PENDING'::text]))",
        "CREATE INDEX IF NOT EXISTS idx_workflow_status_partition_dequeue_v3 ON {schema}.workflow_status USING btree (queue_name, status, queue_partition_key, priority, created_at, workflow_uuid) INCLUDE (application_name) WHERE ((status = ANY (ARRAY['ENQUEUED'::text, 'PENDING'::text])) AND (queue_partition_key IS NOT NULL))",
        "CREATE INDEX IF NOT EXISTS idx_workflow_status_deadline ON {schema}.workflow_status USING btree (workflow_deadline_epoch_ms) WHERE ((status = ANY (ARRAY['ENQUEUED'::text, 'PENDING'::text, 'DELAYED'::text])) AND (workflow_deadline_epoch_ms IS NOT NULL))",
    ];

    // Functions other languages (and SQL users) call to enqueue workflows and send messages, and the trigger that
    // wakes receivers: DBOS TypeScript 5.3's, so pg_get_functiondef shows the same definitions whichever SDK migrated
    // the database (tests/Interop compares them with a database the npm package migrated). Their search_path is
    // pinned, so every name in the bodies is schema-qualified.
    private static IEnumerable<string> CreateFunctions =>
    [
        Function(
            "enqueue_workflow(workflow_name text, queue_name text, positional_args json[] DEFAULT ARRAY[]::json[], named_args json DEFAULT '{}'::json, class_name text DEFAULT NULL::text, config_name text DEFAULT NULL::text, workflow_id text DEFAULT NULL::text, app_version text DEFAULT NULL::text, timeout_ms bigint DEFAULT NULL::bigint, deadline_epoch_ms bigint DEFAULT NULL::bigint, deduplication_id text DEFAULT NULL::text, priority integer DEFAULT NULL::integer, queue_partition_key text DEFAULT NULL::text, authenticated_user text DEFAULT NULL::text, authenticated_roles text DEFAULT NULL::text, delay_until_epoch_ms bigint DEFAULT NULL::bigint, application_name text DEFAULT NULL::text) RETURNS text",
            EnqueueWorkflowBody),
        Function("send_message(destination_id text, message json, topic text DEFAULT NULL::text, message_id text DEFAULT NULL::text) RETURNS void", SendMessageBody),
        Function("notifications_function() RETURNS trigger", NotificationsFunctionBody),
    ];

    private static string Function(string signature, string body) =>
        $"CREATE FUNCTION {{schema}}.{signature}\n    LANGUAGE plpgsql\n    SET search_path TO 'pg_catalog', 'pg_temp'\n    AS $dbos_fn${body}$dbos_fn$";

    // The bodies are DBOS TypeScript 5.3's text, byte for byte ("dbos". written {schema}.): enqueue_workflow validates its
    // arguments (P0001), leaves creator_xid NULL, and keeps the first input of a repeated workflow ID.
    private const string EnqueueWorkflowBody = "\n" + """
    DECLARE
        v_workflow_id TEXT;
        v_serialized_inputs TEXT;
        v_owner_xid TEXT;
        v_now BIGINT;
        v_recovery_attempts INT4 := 0;
        v_priority INT4;
        v_status TEXT;
    BEGIN

        -- Validate required parameters
        IF workflow_name IS NULL OR workflow_name = '' THEN
            RAISE EXCEPTION 'Workflow name cannot be null or empty';
        END IF;
        IF queue_name IS NULL OR queue_name = '' THEN
            RAISE EXCEPTION 'Queue name cannot be null or empty';
        END IF;
        IF named_args IS NOT NULL AND jsonb_typeof(named_args::jsonb) != 'object' THEN
            RAISE EXCEPTION 'Named args must be a JSON object';
        END IF;
        IF workflow_id IS NOT NULL AND workflow_id = '' THEN
            RAISE EXCEPTION 'Workflow ID cannot be an empty string if provided.';
        END IF;
        IF delay_until_epoch_ms IS NOT NULL AND delay_until_epoch_ms < 0 THEN
            RAISE EXCEPTION 'delay_until_epoch_ms must be >= 0';
        END IF;

        v_workflow_id := COALESCE(workflow_id, gen_random_uuid()::TEXT);
        v_owner_xid := gen_random_uuid()::TEXT;
        v_priority := COALESCE(priority, 0);
        v_serialized_inputs := json_build_object(
            'positionalArgs', positional_args,
            'namedArgs', named_args
        )::TEXT;
        v_now := EXTRACT(epoch FROM now()) * 1000;
        v_status := CASE WHEN delay_until_epoch_ms IS NULL THEN 'ENQUEUED' ELSE 'DELAYED' END;

        INSERT INTO {schema}.workflow_status (
            workflow_uuid, status,
            name, class_name, config_name,
            queue_name, deduplication_id, priority, queue_partition_key,
            application_version,
            created_at, updated_at, recovery_attempts,
            workflow_timeout_ms, workflow_deadline_epoch_ms,
            parent_workflow_id, owner_xid, serialization,
            authenticated_user, authenticated_roles,
            delay_until_epoch_ms, application_name
        ) VALUES (
            v_workflow_id, v_status,
            workflow_name, class_name, config_name,
            queue_name, deduplication_id, v_priority, queue_partition_key,
            app_version,
            v_now, v_now, v_recovery_attempts,
            timeout_ms, deadline_epoch_ms,
            NULL, v_owner_xid, 'portable_json',
            authenticated_user, authenticated_roles,
            delay_until_epoch_ms, application_name
        )
        ON CONFLICT (workflow_uuid)
        DO UPDATE SET
            updated_at = EXCLUDED.updated_at;

        INSERT INTO {schema}.workflow_input (
            workflow_uuid, inputs, retention_timestamp
        ) VALUES (
            v_workflow_id, v_serialized_inputs, v_now
        )
        ON CONFLICT (workflow_uuid) DO NOTHING;

        RETURN v_workflow_id;

    EXCEPTION
        WHEN unique_violation THEN
            RAISE EXCEPTION 'DBOS queue duplicated'
                USING DETAIL = format('Workflow %s with queue %s and deduplication ID %s already exists', v_workflow_id, queue_name, deduplication_id),
                    ERRCODE = 'unique_violation';
    END;
    """ + "\n";

    private const string SendMessageBody = "\n" + """
            DECLARE
                v_topic TEXT := COALESCE(topic, '__null__topic__');
                v_message_id TEXT := COALESCE(message_id, gen_random_uuid()::TEXT);
            BEGIN
                INSERT INTO {schema}.notifications (
                    destination_uuid, topic, message, message_uuid, serialization
                ) VALUES (
                    destination_id, v_topic, message, v_message_id, 'portable_json'
                )
                ON CONFLICT (message_uuid) DO NOTHING;
            EXCEPTION
                WHEN foreign_key_violation THEN
                    RAISE EXCEPTION 'DBOS non-existent workflow'
                       USING DETAIL = format('Destination workflow %s does not exist', destination_id),
                            ERRCODE = 'foreign_key_violation';
            END;
    """ + "\n        ";

    private const string NotificationsFunctionBody = "\n" + """
        DECLARE
            payload text := NEW.destination_uuid || '::' || NEW.topic;
        BEGIN
            PERFORM pg_notify('dbos_notifications_channel', payload);
            RETURN NEW;
        END;
    """ + "\n    ";

    /// <summary>The statements with the schema name filled in.</summary>
    public static IEnumerable<string> ForSchema(IEnumerable<string> statements, string quotedSchema) =>
        statements.Select(s => s.Replace("{schema}", quotedSchema, StringComparison.Ordinal));

    /// <summary>The schema name as a quoted SQL identifier.</summary>
    public static string QuoteIdentifier(string name)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Contains('\0', StringComparison.Ordinal) || name.Contains('$', StringComparison.Ordinal) ||
            System.Text.Encoding.UTF8.GetByteCount(name) > 63)
        {
            throw new ArgumentException(
                $"'{name}' is not a usable PostgreSQL schema name for the DBOS system tables: use 1 to 63 bytes, without '$'.", nameof(name));
        }

        return "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }
}
