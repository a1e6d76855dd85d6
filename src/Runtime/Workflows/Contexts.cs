using System;
using System.Collections.Generic;
using System.Diagnostics;
using Dbos.Internal;
using Dbos.Tracing;

namespace Dbos;

/// <summary>
/// Gives the code in its scope a DBOS context if it has none: <c>using (new DBOSContextEnsure()) { ... }</c>. Meant for
/// event dispatchers and middleware that set up the context before calling into DBOS code. A context already present is
/// left as it is; one created here is removed when the scope ends (also when an exception leaves it).
/// </summary>
/// <remarks>The DBOS context is an <see cref="System.Threading.AsyncLocal{T}"/>: it flows into awaited calls and tasks
/// started in the scope, and scopes nest.</remarks>
#pragma warning disable CA1711, CA1063 // The names are DBOS's public API; a sealed scope needs no dispose pattern.
public sealed class DBOSContextEnsure : IDisposable
{
    private readonly IDisposable? _restore;

    public DBOSContextEnsure()
    {
        if (DbosAmbient.Current is null)
        {
            _restore = DbosAmbient.Push(new DbosAmbient());
        }
    }

    /// <summary>Whether this scope created the context (there was none before).</summary>
    public bool CreatedContext => _restore is not null;

    public void Dispose() => _restore?.Dispose();
}

/// <summary>
/// Sets the authenticated user and roles for the code in its scope:
/// <c>using (new DBOSContextSetAuth("alice", ["admin"])) { await orders.PlaceOrder(42); }</c>. Workflows started in the
/// scope store them (<c>authenticated_user</c>, <c>authenticated_roles</c>) and run with them, also after recovery; roles
/// are checked against <see cref="RequiredRolesAttribute"/>. The previous user and roles come back when the scope ends,
/// also when an exception leaves it. Like <see cref="DBOSContextEnsure"/>, it gives the scope a DBOS context.
/// </summary>
public sealed class DBOSContextSetAuth : IDisposable
{
    private readonly IDisposable _restore;

    /// <param name="user">The authenticated user, or null.</param>
    /// <param name="roles">The roles granted to the user, or null (unauthenticated).</param>
    public DBOSContextSetAuth(string? user, IEnumerable<string>? roles)
    {
        var authentication = DbosAuthentication.Create(user, roles);
        _restore = DbosAmbient.Push((DbosAmbient.Current ?? new DbosAmbient()) with { Authentication = authentication });
        DBOS.TagAuthentication(authentication);
    }

    public void Dispose() => _restore.Dispose();
}

/// <summary>
/// Sets <see cref="DBOS.Request"/> for the code in its scope; workflows started in it store the request and see it too.
/// Web integrations (<c>app.UseDbos()</c>) do this for each request; use it to integrate another server. Gives the scope a
/// DBOS context, and restores the previous request when it ends.
/// </summary>
public sealed class DBOSContextSetRequest : IDisposable
{
    private readonly IDisposable _restore;

    public DBOSContextSetRequest(DbosRequest? request)
    {
        _restore = DbosAmbient.Push((DbosAmbient.Current ?? new DbosAmbient()) with { Request = request });
    }

    public void Dispose() => _restore.Dispose();
}
#pragma warning restore CA1711, CA1063

public static partial class DBOS
{
    /// <summary>The user authenticated in the current context (<see cref="DBOSContextSetAuth"/>, <see cref="SetAuthentication"/>,
    /// the web integration, or, inside a workflow, the user who started it), or null.</summary>
    public static string? AuthenticatedUser => DbosAmbient.Current?.Authentication?.User;

    /// <summary>The roles granted to <see cref="AuthenticatedUser"/>, or null when the context is not authenticated.</summary>
    public static IReadOnlyList<string>? AuthenticatedRoles => DbosAmbient.Current?.Authentication?.Roles;

    /// <summary>The role the user currently acts in: the first role of the running workflow's, step's or transaction's
    /// <see cref="RequiredRolesAttribute"/> that the user has (inherited by child workflows), or null.</summary>
    public static string? AssumedRole => DbosAmbient.Current?.Authentication?.AssumedRole;

    /// <summary>
    /// Sets the authenticated user and roles of the current context, with no restore: they apply to the rest of the calling
    /// method and everything it calls or starts (the context is an <see cref="System.Threading.AsyncLocal{T}"/>, so an
    /// <c>async</c> method's change does not reach its caller). To set them for a block, use <see cref="DBOSContextSetAuth"/>.
    /// Usually done by HTTP middleware.
    /// </summary>
    public static void SetAuthentication(string? user, IEnumerable<string>? roles)
    {
        var authentication = DbosAuthentication.Create(user, roles);
        DbosAmbient.Current = (DbosAmbient.Current ?? new DbosAmbient()) with { Authentication = authentication };
        TagAuthentication(authentication);
    }

    /// <summary>The current span (<see cref="Activity.Current"/>): inside a workflow, step or transaction, the span DBOS made
    /// for it, to which you can add tags. Null when no tracer listens (see <see cref="DbosInstrumentation"/>).</summary>
    public static Activity? Span => Activity.Current;

    /// <summary>
    /// The HTTP request being handled, in a request handler (and code it calls) of an app using the web integration
    /// (<c>app.UseDbos()</c>), and in workflows started from one, also after recovery.
    /// </summary>
    /// <exception cref="InvalidOperationException">There is no request here.</exception>
    public static DbosRequest Request => DbosAmbient.Current?.Request ?? throw new InvalidOperationException(
        "DBOS.Request may only be accessed while handling an HTTP request (in an ASP.NET Core app that calls app.UseDbos(), " +
        "in the handler or code it calls) or in a workflow started from one. Use DBOS.TryGetRequest to check first.");

    /// <summary>The current request, if there is one (see <see cref="Request"/>).</summary>
    public static bool TryGetRequest([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out DbosRequest? request)
    {
        request = DbosAmbient.Current?.Request;
        return request is not null;
    }

    /// <summary>The DBOS logger: an <see cref="Microsoft.Extensions.Logging.ILogger"/> (category <c>Dbos</c>) of the
    /// application's logging. Inside a workflow its scope carries <c>workflow_id</c> and <c>workflow_name</c>, inside a step
    /// or transaction also <c>step_name</c> and <c>function_id</c>.</summary>
    /// <exception cref="InvalidOperationException">No DBOS runtime is running.</exception>
    public static Microsoft.Extensions.Logging.ILogger Logger => DbosRuntime.Resolve(null).Logger;

    /// <summary>The effective configuration of the current DBOS runtime (read-only).</summary>
    /// <exception cref="InvalidOperationException">No DBOS runtime is running.</exception>
    public static DbosConfig Config => new(DbosRuntime.Resolve(null));

    /// <summary>Tags the current DBOS span with a new authentication, as DBOS does.</summary>
    internal static void TagAuthentication(DbosAuthentication? authentication)
    {
        if (authentication?.User is { } user
            && Activity.Current is { IsAllDataRequested: true } activity
            && ReferenceEquals(activity.Source, DbosTracing.Source))
        {
            activity.SetTag("authenticatedUser", user);
            activity.SetTag("authenticatedUserRoles", authentication.RolesJson);
        }
    }
}
