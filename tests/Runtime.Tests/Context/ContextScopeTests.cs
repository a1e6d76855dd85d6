using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using Dbos.Internal;
using NUnit.Framework;

namespace Dbos.Tests.Context;

/// <summary>The context scopes on their own (no database): nesting, flowing across awaits and tasks, restoring on exceptions.</summary>
public sealed class ContextScopeTests
{
    [Test]
    public void Outside_any_context_the_variables_are_unset_or_say_where_they_are_defined()
    {
        Assert.That(DBOS.AuthenticatedUser, Is.Null);
        Assert.That(DBOS.AuthenticatedRoles, Is.Null);
        Assert.That(DBOS.AssumedRole, Is.Null);
        Assert.That(DBOS.TryGetRequest(out _), Is.False);
        var request = Assert.Throws<InvalidOperationException>(() => _ = DBOS.Request)!;
        Assert.That(request.Message, Does.Contain("HTTP request").And.Contain("app.UseDbos()"));
        var workflowId = Assert.Throws<InvalidOperationException>(() => _ = DBOS.WorkflowId)!;
        Assert.That(workflowId.Message, Does.Contain("workflow, a step or a transaction"));
    }

    [Test]
    public void DBOSContextEnsure_creates_a_context_only_when_there_is_none_and_removes_only_its_own()
    {
        using (var outer = new DBOSContextEnsure())
        {
            Assert.That(outer.CreatedContext, Is.True);
            Assert.That(DbosAmbient.Current, Is.Not.Null);
            var created = DbosAmbient.Current;
            using (var inner = new DBOSContextEnsure())
            {
                Assert.That(inner.CreatedContext, Is.False);
                Assert.That(DbosAmbient.Current, Is.SameAs(created));
            }

            Assert.That(DbosAmbient.Current, Is.SameAs(created));
        }

        Assert.That(DbosAmbient.Current, Is.Null);
    }

    [Test]
    public void DBOSContextSetAuth_scopes_nest_and_restore_the_previous_user_also_on_exceptions()
    {
        using (new DBOSContextSetAuth("alice", ["admin", "user"]))
        {
            Assert.That(DBOS.AuthenticatedUser, Is.EqualTo("alice"));
            Assert.That(DBOS.AuthenticatedRoles, Is.EqualTo(new[] { "admin", "user" }));
            try
            {
                using (new DBOSContextSetAuth("bob", ["user"]))
                {
                    Assert.That(DBOS.AuthenticatedUser, Is.EqualTo("bob"));
                    throw new InvalidOperationException("leave the block");
                }
            }
            catch (InvalidOperationException)
            {
            }

            Assert.That(DBOS.AuthenticatedUser, Is.EqualTo("alice"), "restored when the exception left the inner block");
            using (new DBOSContextSetAuth(null, null))
            {
                Assert.That(DBOS.AuthenticatedUser, Is.Null);
                Assert.That(DBOS.AuthenticatedRoles, Is.Null);
            }

            Assert.That(DBOS.AuthenticatedRoles, Is.EqualTo(new[] { "admin", "user" }));
        }

        Assert.That(DBOS.AuthenticatedUser, Is.Null);
        Assert.That(DbosAmbient.Current, Is.Null, "the scope created the context and removed it");
    }

    [Test]
    public void The_roles_are_copied_so_later_changes_to_the_caller_s_list_do_not_leak_in()
    {
        var roles = new List<string> { "user" };
        using (new DBOSContextSetAuth("alice", roles))
        {
            roles.Add("admin");
            Assert.That(DBOS.AuthenticatedRoles, Is.EqualTo(new[] { "user" }));
        }
    }

    [Test]
    public async Task Scopes_flow_across_awaits_and_into_tasks_and_concurrent_scopes_do_not_interfere()
    {
        using (new DBOSContextSetAuth("alice", ["admin"]))
        {
            await Task.Yield();
            Assert.That(DBOS.AuthenticatedUser, Is.EqualTo("alice"));
            Assert.That(await Task.Run(() => DBOS.AuthenticatedUser), Is.EqualTo("alice"));

            async Task<string?> As(string user)
            {
                using (new DBOSContextSetAuth(user, ["user"]))
                {
                    await Task.Delay(20);
                    await Task.Yield();
                    return DBOS.AuthenticatedUser;
                }
            }

            var users = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => As("user" + i)));
            Assert.That(users, Is.EqualTo(Enumerable.Range(0, 20).Select(i => "user" + i)));
            Assert.That(DBOS.AuthenticatedUser, Is.EqualTo("alice"), "the tasks' scopes did not reach this flow");
        }
    }

    [Test]
    public async Task SetAuthentication_applies_to_the_rest_of_the_method_and_what_it_calls_not_to_its_caller()
    {
        async Task<string?> LoginThenRead()
        {
            DBOS.SetAuthentication("carol", ["user"]);
            await Task.Yield();
            return DBOS.AuthenticatedUser;
        }

        using (new DBOSContextEnsure())
        {
            Assert.That(await LoginThenRead(), Is.EqualTo("carol"));
            Assert.That(DBOS.AuthenticatedUser, Is.Null, "an async method's change does not reach its caller (an AsyncLocal)");
            DBOS.SetAuthentication("dave", ["admin"]);
            Assert.That(DBOS.AuthenticatedUser, Is.EqualTo("dave"));
            Assert.That(DBOS.AuthenticatedRoles, Is.EqualTo(new[] { "admin" }));
        }

        Assert.That(DBOS.AuthenticatedUser, Is.Null, "DBOSContextEnsure removed the context it created");
    }

    [Test]
    public void DBOSContextSetRequest_sets_the_request_for_its_scope()
    {
        var request = new DbosRequest { Method = "GET", Url = "http://127.0.0.1/x?y=1", Headers = new Dictionary<string, string> { ["X-Test"] = "1" } };
        using (new DBOSContextSetRequest(request))
        {
            Assert.That(DBOS.Request, Is.SameAs(request));
            Assert.That(DBOS.Request.GetHeader("x-test"), Is.EqualTo("1"), "header names are case-insensitive");
        }

        Assert.That(DBOS.TryGetRequest(out _), Is.False);
    }

    [Test]
    public void A_request_is_stored_whole_when_small_and_reads_back_the_same()
    {
        var request = new DbosRequest
        {
            Method = "POST",
            Url = "http://127.0.0.1:5000/orders/7?expedite=true",
            BaseUrl = "http://127.0.0.1:5000/",
            Headers = new Dictionary<string, string> { ["X-Test"] = "'; DROP TABLE workflow_status; --", ["X-Control"] = "a\u0000b\r\nc\u001b[31m", ["X-Emoji"] = "\U0001F600" },
            PathParams = new Dictionary<string, string> { ["id"] = "7" },
            QueryParams = new Dictionary<string, string> { ["expedite"] = "true" },
            Cookies = new Dictionary<string, string> { ["session"] = "abc" },
            ClientAddress = "127.0.0.1:4242",
            RequestId = "0HN:00000001",
        };

        var json = ContextJson.WriteRequest(request, out var truncated);
        Assert.That(truncated, Is.False);
        var read = ContextJson.ReadRequest(json)!;
        Assert.That(read.Method, Is.EqualTo("POST"));
        Assert.That(read.Url, Is.EqualTo(request.Url));
        Assert.That(read.BaseUrl, Is.EqualTo(request.BaseUrl));
        Assert.That(read.GetHeader("x-test"), Is.EqualTo("'; DROP TABLE workflow_status; --"), "stored as given, never interpreted");
        Assert.That(read.Headers["X-Control"], Is.EqualTo("a\u0000b\r\nc\u001b[31m"));
        Assert.That(read.Headers["X-Emoji"], Is.EqualTo("\U0001F600"));
        Assert.That(read.PathParams["id"], Is.EqualTo("7"));
        Assert.That(read.QueryParams["expedite"], Is.EqualTo("true"));
        Assert.That(read.Cookies["session"], Is.EqualTo("abc"));
        Assert.That(read.ClientAddress, Is.EqualTo("127.0.0.1:4242"));
        Assert.That(read.RequestId, Is.EqualTo("0HN:00000001"));
        Assert.That(read.Truncated, Is.False);
    }

    [Test]
    public void A_huge_request_is_stored_within_64_KiB_with_its_long_values_cut_and_marked()
    {
        var headers = new Dictionary<string, string> { ["X-Huge"] = new string('h', 1_000_000), ["X-Small"] = "kept" };
        for (var i = 0; i < 200; i++)
        {
            headers["X-Many-" + i] = new string((char)('a' + (i % 26)), 1000);
        }

        var request = new DbosRequest { Method = "GET", Url = "http://127.0.0.1/" + new string('u', 100_000), Headers = headers, Cookies = new Dictionary<string, string> { ["c"] = "\uD800 lone surrogate" } };
        var json = ContextJson.WriteRequest(request, out var truncated);
        Assert.That(truncated, Is.True);
        Assert.That(Encoding.UTF8.GetByteCount(json), Is.LessThanOrEqualTo(DbosRequest.MaxStoredBytes));
        var read = ContextJson.ReadRequest(json)!;
        Assert.That(read.Truncated, Is.True);
        Assert.That(read.Headers["X-Huge"], Does.StartWith(new string('h', 100)).And.EndWith("[truncated by DBOS: " + (1_000_000 - DbosRequest.MaxStoredValueLength) + " more characters]"));
        Assert.That(read.Url, Does.Contain("[truncated by DBOS:"));
        Assert.That(read.Headers.Count, Is.LessThan(headers.Count), "entries past the cap are left out");

        // Hostile characters everywhere: JSON escapes them at up to six bytes each, and the cap still holds.
        var hostile = new DbosRequest { Method = new string('\u0001', 50_000), Url = new string('\u0002', 50_000), BaseUrl = new string('\u0003', 50_000), RequestId = new string('\u0004', 50_000), ClientAddress = new string('\u0005', 50_000) };
        Assert.That(Encoding.UTF8.GetByteCount(ContextJson.WriteRequest(hostile, out _)), Is.LessThanOrEqualTo(DbosRequest.MaxStoredBytes));
    }

    [Test]
    public void Stored_roles_are_a_JSON_array_and_what_DBOS_clients_write_for_none_reads_as_none()
    {
        Assert.That(DbosAuthentication.Create("alice", ["admin", "a\"b"])!.RolesJson, Is.EqualTo("[\"admin\",\"a\\u0022b\"]"));
        var fromClient = DbosAuthentication.FromStored("", "[]", "")!;
        Assert.That(fromClient.User, Is.Null);
        Assert.That(fromClient.Roles, Is.Empty);
        Assert.That(fromClient.AssumedRole, Is.Null);
        Assert.That(DbosAuthentication.FromStored(null, null, null), Is.Null);
        Assert.That(DbosAuthentication.FromStored("bob", "not json", null)!.Roles, Is.Null);
        Assert.That(DbosAuthentication.FromStored("bob", "[\"x\",\"y\"]", "x")!.Roles, Is.EqualTo(new[] { "x", "y" }));
    }

    [Test]
    public void Huge_user_names_and_roles_are_bounded_as_they_will_be_stored_and_cut_roles_grant_nothing()
    {
        var roles = Enumerable.Range(0, 1000).Select(i => "role" + i).Prepend(new string('r', 10_000) + "admin").ToList();
        using (new DBOSContextSetAuth(new string('u', 100_000), roles))
        {
            Assert.That(DBOS.AuthenticatedUser!.Length, Is.LessThan(DbosAuthentication.MaxUserLength + 64));
            Assert.That(DBOS.AuthenticatedUser, Does.EndWith("more characters]"));
            Assert.That(DBOS.AuthenticatedRoles, Has.Count.EqualTo(DbosAuthentication.MaxRoles));
            Assert.That(DBOS.AuthenticatedRoles![0], Does.Contain("[truncated by DBOS:"));
            Assert.Throws<NotAuthorizedException>(() => Dbos.Authorization.Authorizer.Authorize(["admin"], DbosAmbient.Current!.Authentication, "workflow", "W"));
        }
    }

    [Test]
    public void The_configuration_hides_passwords()
    {
        Assert.That(DbosConfig.Redact("postgresql://app:s3cr3t@db:5432/app"), Is.EqualTo("postgresql://app:***@db:5432/app"));
        Assert.That(DbosConfig.Redact("Host=db;Username=app;Password=s3cr3t;Database=app"), Is.EqualTo("Host=db;Username=app;Password=***;Database=app"));
        Assert.That(DbosConfig.Redact("postgresql://postgres@127.0.0.1:5432/postgres"), Is.EqualTo("postgresql://postgres@127.0.0.1:5432/postgres"));
        Assert.That(DbosConfig.Redact("dbos_system.sqlite"), Is.EqualTo("dbos_system.sqlite"));
    }
}
