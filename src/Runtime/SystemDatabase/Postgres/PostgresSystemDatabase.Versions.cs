using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Dbos.SystemDatabase.Postgres;

/// <summary>Application versions (DBOS TypeScript's <c>listApplicationVersions</c> and <c>setLatestApplicationVersion</c>) and other versions' backlog.</summary>
internal sealed partial class PostgresSystemDatabase
{
    private string? _countOtherVersionsSql;
    private string? _listApplicationVersionsSql;
    private string? _setLatestApplicationVersionSql;

    private const string CountOtherVersionsSql = """
        SELECT application_version, count(*) FILTER (WHERE status = 'PENDING'), count(*) FILTER (WHERE status = 'ENQUEUED')
        FROM {schema}.workflow_status
        WHERE status IN ('PENDING', 'ENQUEUED') AND application_version IS NOT NULL AND application_version <> $1
          AND ($2::text IS NULL OR application_name IS NULL OR application_name = $2)
        GROUP BY application_version
        ORDER BY count(*) DESC, application_version
        LIMIT 100
        """;

    public async Task<IReadOnlyList<VersionBacklog>> CountOtherVersionsAsync(string version, string? applicationName, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(_countOtherVersionsSql ??= Qualify(CountOtherVersionsSql));
        command.Parameters.Add(Text(version));
        command.Parameters.Add(Text(applicationName));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<VersionBacklog>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(new VersionBacklog(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2)));
        }

        return rows;
    }

    private const string ListApplicationVersionsSql = """
        SELECT version_id, version_name, version_timestamp, created_at, application_name
        FROM {schema}.application_versions
        WHERE $1::text IS NULL OR application_name IS NULL OR application_name = $1
        ORDER BY version_timestamp DESC, version_name
        """;

    public async Task<IReadOnlyList<ApplicationVersionInfo>> ListApplicationVersionsAsync(string? applicationName, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(_listApplicationVersionsSql ??= Qualify(ListApplicationVersionsSql));
        command.Parameters.Add(Text(applicationName));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<ApplicationVersionInfo>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(new ApplicationVersionInfo(
                reader.GetString(0),
                reader.GetString(1),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)),
                GetString(reader, 4)));
        }

        return rows;
    }

    // Claims an unclaimed row for this application, as DBOS TypeScript does when it promotes one.
    private const string SetLatestApplicationVersionSql = """
        UPDATE {schema}.application_versions
        SET version_timestamp = GREATEST($3, (SELECT COALESCE(max(version_timestamp), 0) + 1 FROM {schema}.application_versions
                                              WHERE $2::text IS NULL OR application_name IS NULL OR application_name = $2)),
            application_name = COALESCE(application_name, $2)
        WHERE version_name = $1 AND ($2::text IS NULL OR application_name IS NULL OR application_name = $2)
        """;

    public async Task<bool> SetLatestApplicationVersionAsync(string version, string? applicationName, long now, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(_setLatestApplicationVersionSql ??= Qualify(SetLatestApplicationVersionSql));
        command.Parameters.Add(Text(version));
        command.Parameters.Add(Text(applicationName));
        command.Parameters.Add(BigInt(now));
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }
}
