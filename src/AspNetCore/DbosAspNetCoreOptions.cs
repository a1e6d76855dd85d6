namespace Dbos.AspNetCore;

/// <summary>Settings of the DBOS middleware (<c>app.UseDbos()</c>), set with <c>services.AddDbosAspNetCore(o => ...)</c>.</summary>
public sealed class DbosAspNetCoreOptions
{
    /// <summary>The header that, as in DBOS, sets the ID of the first workflow a request starts (like <see cref="SetWorkflowID"/>).</summary>
    public const string IdempotencyKeyHeader = "dbos-idempotency-key";

    /// <summary>Whether an authenticated <c>HttpContext.User</c> becomes <see cref="DBOS.AuthenticatedUser"/> (its name claim)
    /// and <see cref="DBOS.AuthenticatedRoles"/> (its role claims). Default true.</summary>
    public bool MapClaimsPrincipal { get; set; } = true;

    /// <summary>The claim type of the user name; default: each identity's <c>NameClaimType</c>, else the name identifier.</summary>
    public string? NameClaimType { get; set; }

    /// <summary>The claim type of roles; default: each identity's <c>RoleClaimType</c> (<c>ClaimTypes.Role</c>).</summary>
    public string? RoleClaimType { get; set; }

    /// <summary>Whether the <see cref="IdempotencyKeyHeader"/> header sets the ID of the first workflow the request starts. Default true.</summary>
    public bool UseIdempotencyKeyHeader { get; set; } = true;

    /// <summary>Whether a <see cref="DbosException"/> that escapes the handler becomes a JSON answer
    /// <c>{"message", "dbos_error_code", "dbos_error"}</c>, as DBOS's web integrations answer: 403 for
    /// <see cref="NotAuthorizedException"/>, 404 for <see cref="NonExistentWorkflowException"/>, 409 for a conflicting
    /// workflow ID, 500 otherwise. Default true.</summary>
    public bool HandleDbosExceptions { get; set; } = true;
}
