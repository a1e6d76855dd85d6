using System;
using System.Threading.Tasks;
using NUnit.Framework;

namespace Dbos.Testing.Tests;

/// <summary>A fixture run once per system database engine: the environment on a SQLite file, and on a fresh database of the
/// PostgreSQL server scripts/test.sh starts (DBOS_TEST_POSTGRES_URL).</summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public abstract class EngineTest(string engine)
{
    protected string Engine { get; } = engine;

    protected void UseEngine(DbosTestOptions options)
    {
        if (Engine == "postgres")
        {
            options.UsePostgres(Environment.GetEnvironmentVariable("DBOS_TEST_POSTGRES_URL") is { Length: > 0 } url
                ? url
                : throw new InvalidOperationException(
                    "The PostgreSQL tests need a server: run them through scripts/test.sh, or start one with 'bash scripts/postgres.sh start' " +
                    "and set DBOS_TEST_POSTGRES_URL=$(bash scripts/postgres.sh url)."));
        }
    }

    protected Task<DbosTestEnvironment> StartAsync(Action<DbosTestOptions>? configure = null)
        => DbosTestEnvironment.StartAsync(o =>
        {
            UseEngine(o);
            configure?.Invoke(o);
        });
}
