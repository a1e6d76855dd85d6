using System;
using System.Collections.Generic;

namespace Dbos;

/// <summary>
/// The roles a caller needs to run a <c>[Workflow]</c>, <c>[Step]</c> or <c>[Transaction]</c> method: at least one of
/// them must be among <see cref="DBOS.AuthenticatedRoles"/>. The first listed role the caller has becomes
/// <see cref="DBOS.AssumedRole"/> while the method runs (and is stored with a workflow). A caller with none of them gets a
/// <see cref="NotAuthorizedException"/>, and nothing starts. On a class, the default for its durable methods; a method's
/// own attribute replaces the class's (<c>[RequiredRoles]</c> with no roles makes a method open to everyone).
/// </summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Class, Inherited = false, AllowMultiple = false)]
public sealed class RequiredRolesAttribute : Attribute
{
    /// <param name="roles">The roles, in order of preference.</param>
    public RequiredRolesAttribute(params string[] roles)
    {
        ArgumentNullException.ThrowIfNull(roles);
        Roles = roles;
    }

    /// <summary>The roles, in order of preference.</summary>
    public IReadOnlyList<string> Roles { get; }
}
