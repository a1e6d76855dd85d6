using System;
using System.Collections.Generic;
using Dbos.Internal;

namespace Dbos.Authorization;

/// <summary>Checks <see cref="RequiredRolesAttribute"/> roles against the caller's authentication, as DBOS does: the first
/// required role (in the attribute's order) that the caller has becomes the assumed role.</summary>
internal static class Authorizer
{
    /// <summary>Returns the authentication to run the operation with: unchanged when nothing is required, else with the
    /// matching role assumed.</summary>
    /// <exception cref="NotAuthorizedException">The caller has none of the roles.</exception>
    public static DbosAuthentication? Authorize(IReadOnlyList<string> requiredRoles, DbosAuthentication? authentication, string kind, string name)
    {
        if (requiredRoles.Count == 0)
        {
            return authentication;
        }

        if (authentication?.Roles is not { } roles)
        {
            throw new NotAuthorizedException(
                $"The {kind} '{name}' requires one of the roles [{string.Join(", ", requiredRoles)}], but was called without authentication. " +
                "Authenticate the caller first: using (new DBOSContextSetAuth(user, roles)), DBOS.SetAuthentication(user, roles), or app.UseDbos() in ASP.NET Core.");
        }

        foreach (var required in requiredRoles)
        {
            foreach (var role in roles)
            {
                if (string.Equals(role, required, StringComparison.Ordinal))
                {
                    return authentication with { AssumedRole = required };
                }
            }
        }

        throw new NotAuthorizedException(
            $"The {kind} '{name}' requires one of the roles [{string.Join(", ", requiredRoles)}], but user '{authentication.User}' has none of them.");
    }
}
