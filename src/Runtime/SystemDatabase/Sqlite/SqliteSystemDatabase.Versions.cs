using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Dbos.SystemDatabase.Sqlite;

/// <summary>Application versions (DBOS TypeScript's <c>listApplicationVersions</c> and <c>setLatestApplicationVersion</c>) and other versions' backlog.</summary>
internal sealed partial class SqliteSystemDatabase
{
    private const string CountOtherVersionsSql = """
        SELECT application_version, SUM(status = 'PENDING'), SUM(status = 'ENQUEUED')
        FROM workflow_status
        WHERE status IN ('PENDING', 'ENQUEUED') AND application_version IS NOT NULL AND application_version <> $version
          AND ($app IS NULL OR application_name IS NULL OR application_name = $app)
        GROUP BY application_version
        ORDER BY COUNT(*) DESC, application_version
        LIMIT 100
        """;

    public Task<IReadOnlyList<VersionBacklog>> CountOtherVersionsAsync(string version, string? applicationName, CancellationToken cancellationToken)
        => RunAsync<IReadOnlyList<VersionBacklog>>(connection =>
        {
            var command = Command(connection, CountOtherVersionsSql);
            Bind(command, "$version", version);
            Bind(command, "$app", applicationName);
            var rows = new List<VersionBacklog>();
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                rows.Add(new VersionBacklog(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2)));
            }

            return rows;
        }, cancellationToken);

    private const string ListApplicationVersionsSql = """
        SELECT version_id, version_name, version_timestamp, created_at, application_name
        FROM application_versions
        WHERE $app IS NULL OR application_name IS NULL OR application_name = $app
        ORDER BY version_timestamp DESC, version_name
        """;

    public Task<IReadOnlyList<ApplicationVersionInfo>> ListApplicationVersionsAsync(string? applicationName, CancellationToken cancellationToken)
        => RunAsync<IReadOnlyList<ApplicationVersionInfo>>(connection =>
        {
            var command = Command(connection, ListApplicationVersionsSql);
            Bind(command, "$app", applicationName);
            var rows = new List<ApplicationVersionInfo>();
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                rows.Add(new ApplicationVersionInfo(
                    reader.GetString(0),
                    reader.GetString(1),
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)),
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)),
                    NullableString(reader, 4)));
            }

            return rows;
        }, cancellationToken);

    // Claims an unclaimed row for this application, as DBOS TypeScript does when it promotes one.
    private const string SetLatestApplicationVersionSql = """
        UPDATE application_versions
        SET version_timestamp = MAX($now, (SELECT COALESCE(MAX(version_timestamp), 0) + 1 FROM application_versions
                                            WHERE $app IS NULL OR application_name IS NULL OR application_name = $app)),
            application_name = COALESCE(application_name, $app)
        WHERE version_name = $version AND ($app IS NULL OR application_name IS NULL OR application_name = $app)
        """;

    public Task<bool> SetLatestApplicationVersionAsync(string version, string? applicationName, long now, CancellationToken cancellationToken)
        => RunAsync(connection =>
        {
            var command = Command(connection, SetLatestApplicationVersionSql);
            Bind(command, "$version", version);
            Bind(command, "$app", applicationName);
            Bind(command, "$now", now);
            return command.ExecuteNonQuery() > 0;
        }, cancellationToken);
}
