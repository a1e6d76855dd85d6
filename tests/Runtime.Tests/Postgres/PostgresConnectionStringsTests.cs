using System;
using Dbos.SystemDatabase.Postgres;
using Npgsql;
using NUnit.Framework;

namespace Dbos.Tests.Postgres;

[TestFixture]
public sealed class PostgresConnectionStringsTests
{
    private static NpgsqlConnectionStringBuilder Parse(string value) => new(PostgresConnectionStrings.Normalize(value));

    [Test]
    public void Url_with_every_part_becomes_an_Npgsql_connection_string()
    {
        var b = Parse("postgresql://dbos%20user:p%40ss%3Aw%2Fo+rd@db.example.com:6543/dbos_system?sslmode=require&connect_timeout=7&application_name=shop%20api");
        Assert.Multiple(() =>
        {
            Assert.That(b.Username, Is.EqualTo("dbos user"));
            Assert.That(b.Password, Is.EqualTo("p@ss:w/o+rd"));
            Assert.That(b.Host, Is.EqualTo("db.example.com"));
            Assert.That(b.Port, Is.EqualTo(6543));
            Assert.That(b.Database, Is.EqualTo("dbos_system"));
            Assert.That(b.SslMode, Is.EqualTo(SslMode.Require));
            Assert.That(b.Timeout, Is.EqualTo(7));
            Assert.That(b.ApplicationName, Is.EqualTo("shop api"));
        });
    }

    [Test]
    public void Postgres_scheme_and_defaults()
    {
        var b = Parse("postgres://alice@localhost/app");
        Assert.That((b.Username, b.Password, b.Host, b.Port, b.Database), Is.EqualTo(("alice", (string?)null, "localhost", 5432, "app")));
    }

    [TestCase("disable", SslMode.Disable)]
    [TestCase("allow", SslMode.Allow)]
    [TestCase("prefer", SslMode.Prefer)]
    [TestCase("verify-ca", SslMode.VerifyCA)]
    [TestCase("verify-full", SslMode.VerifyFull)]
    public void Every_sslmode_is_understood(string mode, SslMode expected) =>
        Assert.That(Parse($"postgresql://u@h/d?sslmode={mode}").SslMode, Is.EqualTo(expected));

    [Test]
    public void Ipv6_host_and_several_hosts()
    {
        var v6 = Parse("postgresql://u:p@[::1]:5433/d");
        Assert.That((v6.Host, v6.Port), Is.EqualTo(("::1", 5433)));
        Assert.That(Parse("postgresql://u@h1:5432,h2:5433/d").Host, Is.EqualTo("h1:5432,h2:5433"));
    }

    [Test]
    public void Npgsql_keywords_are_accepted_as_query_parameters()
    {
        var b = Parse("postgresql://u@h/d?Command%20Timeout=45&target_session_attrs=primary");
        Assert.That(b.CommandTimeout, Is.EqualTo(45));
        Assert.That(b.TargetSessionAttributes, Is.EqualTo("primary"));
    }

    [Test]
    public void Npgsql_connection_string_passes_through()
    {
        const string cs = "Host=db;Port=5433;Database=sys;Username=u;Password=p;SSL Mode=Require";
        Assert.That(PostgresConnectionStrings.Normalize(cs), Is.EqualTo(cs));
        Assert.That(PostgresConnectionStrings.Normalize("  " + cs + " "), Is.EqualTo(cs));
    }

    [TestCase("mysql://u:secret@h/d")]
    [TestCase("just-a-word")]
    [TestCase("")]
    [TestCase("sqlite:///tmp/x.sqlite")]
    public void Other_forms_are_rejected_with_the_accepted_ones(string value)
    {
        var e = Assert.Throws<ArgumentException>(() => PostgresConnectionStrings.Normalize(value));
        Assert.That(e!.Message, Does.Contain("postgresql://").And.Contain("Host="));
        Assert.That(e.Message, Does.Not.Contain("secret"));
    }

    [TestCase("postgresql://u@h/d?sslmode=sometimes", "sslmode")]
    [TestCase("postgresql://u@h/d?connect_timeout=soon", "connect_timeout")]
    [TestCase("postgresql://u@h:99999/d", "port")]
    [TestCase("postgresql://u@h/d?frobnicate=1", "frobnicate")]
    [TestCase("Hots=db;Database=d", "Hots")]
    public void Invalid_parts_are_named(string value, string named)
    {
        var e = Assert.Throws<ArgumentException>(() => PostgresConnectionStrings.Normalize(value));
        Assert.That(e!.Message, Does.Contain(named).IgnoreCase);
    }

    [Test]
    public void Description_names_the_server_but_not_the_password()
    {
        var description = PostgresConnectionStrings.Describe(Parse("postgresql://bob:hunter2@db.internal:6000/sys"));
        Assert.That(description, Is.EqualTo("database 'sys' on db.internal:6000 as user 'bob'"));
    }
}
