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
    // wakes receivers. Their search_path is pinned, so every name in the bodies is schema-qualified.
    private static IEnumerable<string> CreateFunctions =>
    [
        """
        CREATE FUNCTION {schema}.enqueue_workflow(workflow_name text, queue_name text, positional_args json[] DEFAULT ARRAY[]::json[], named_args json DEFAULT '{}'::json, class_name text DEFAULT NULL::text, config_name text DEFAULT NULL::text, workflow_id text DEFAULT NULL::text, app_version text DEFAULT NULL::text, timeout_ms bigint DEFAULT NULL::bigint, deadline_epoch_ms bigint DEFAULT NULL::bigint, deduplication_id text DEFAULT NULL::text, priority integer DEFAULT NULL::integer, queue_partition_key text DEFAULT NULL::text, authenticated_user text DEFAULT NULL::text, authenticated_roles text DEFAULT NULL::text, delay_until_epoch_ms bigint DEFAULT NULL::bigint, application_name text DEFAULT NULL::text) RETURNS text
            LANGUAGE plpgsql
            SET search_path TO 'pg_catalog', 'pg_temp'
            AS $dbos_fn$
        DECLARE
            v_workflow_id text := COALESCE(enqueue_workflow.workflow_id, gen_random_uuid()::text);
            v_now bigint := (EXTRACT(epoch FROM now()) * 1000.0)::bigint;
            v_owner_xid text := gen_random_uuid()::text;
            v_returned_owner text;
        BEGIN
            INSERT INTO {schema}.workflow_status AS ws (
                workflow_uuid, status, name, class_name, config_name, queue_name, authenticated_user, authenticated_roles,
                application_version, application_name, created_at, updated_at, recovery_attempts,
                workflow_timeout_ms, workflow_deadline_epoch_ms, deduplication_id, priority, queue_partition_key,
                delay_until_epoch_ms, owner_xid, creator_xid, serialization, inputs)
            VALUES (
                v_workflow_id,
                CASE WHEN enqueue_workflow.delay_until_epoch_ms IS NOT NULL THEN 'DELAYED' ELSE 'ENQUEUED' END,
                enqueue_workflow.workflow_name, enqueue_workflow.class_name, enqueue_workflow.config_name,
                enqueue_workflow.queue_name, enqueue_workflow.authenticated_user, enqueue_workflow.authenticated_roles,
                enqueue_workflow.app_version, enqueue_workflow.application_name, v_now, v_now, 0,
                enqueue_workflow.timeout_ms, enqueue_workflow.deadline_epoch_ms, enqueue_workflow.deduplication_id,
                COALESCE(enqueue_workflow.priority, 0), enqueue_workflow.queue_partition_key,
                enqueue_workflow.delay_until_epoch_ms, v_owner_xid, v_owner_xid, 'portable_json', NULL)
            ON CONFLICT (workflow_uuid) DO UPDATE SET updated_at = EXCLUDED.updated_at
            RETURNING ws.owner_xid INTO v_returned_owner;

            -- Only the call that created the workflow stores its input: a repeated ID keeps the first input.
            IF v_returned_owner IS NOT DISTINCT FROM v_owner_xid THEN
                INSERT INTO {schema}.workflow_input (workflow_uuid, inputs)
                VALUES (v_workflow_id, json_build_object('positionalArgs', enqueue_workflow.positional_args, 'namedArgs', enqueue_workflow.named_args)::text)
                ON CONFLICT (workflow_uuid) DO NOTHING;
            END IF;

            RETURN v_workflow_id;
        EXCEPTION
            WHEN unique_violation THEN
                RAISE EXCEPTION 'DBOS queue duplicated' USING ERRCODE = 'unique_violation',
                    DETAIL = format('Workflow %s with deduplication ID %s is already in queue %s.',
                        v_workflow_id, enqueue_workflow.deduplication_id, enqueue_workflow.queue_name);
        END;
        $dbos_fn$
        """,

        """
        CREATE FUNCTION {schema}.send_message(destination_id text, message json, topic text DEFAULT NULL::text, message_id text DEFAULT NULL::text) RETURNS void
            LANGUAGE plpgsql
            SET search_path TO 'pg_catalog', 'pg_temp'
            AS $dbos_fn$
        BEGIN
            INSERT INTO {schema}.notifications (message_uuid, destination_uuid, topic, message, serialization)
            VALUES (
                COALESCE(send_message.message_id, gen_random_uuid()::text),
                send_message.destination_id,
                COALESCE(send_message.topic, '__null__topic__'),
                send_message.message::text,
                'portable_json')
            ON CONFLICT (message_uuid) DO NOTHING;
        EXCEPTION
            WHEN foreign_key_violation THEN
                RAISE EXCEPTION 'DBOS non-existent workflow' USING ERRCODE = 'foreign_key_violation',
                    DETAIL = format('No workflow with ID %s exists to receive the message.', send_message.destination_id);
        END;
        $dbos_fn$
        """,

        """
        CREATE FUNCTION {schema}.notifications_function() RETURNS trigger
            LANGUAGE plpgsql
            SET search_path TO 'pg_catalog', 'pg_temp'
            AS $dbos_fn$
        BEGIN
            PERFORM pg_notify('dbos_notifications_channel', NEW.destination_uuid || '::' || NEW.topic);
            RETURN NEW;
        END;
        $dbos_fn$
        """,
    ];

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
