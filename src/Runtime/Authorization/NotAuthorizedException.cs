using System;

namespace Dbos;

/// <summary>
/// The caller has none of the roles a <see cref="RequiredRolesAttribute"/> asks for (or no authentication at all); the
/// workflow, step or transaction did not run. HTTP integrations answer 403.
/// </summary>
public sealed class NotAuthorizedException : DbosException
{
    public NotAuthorizedException(string message)
        : base(DbosErrorCode.NotAuthorized, message) { }

    public NotAuthorizedException(string message, Exception? innerException)
        : base(DbosErrorCode.NotAuthorized, message, innerException) { }

    public NotAuthorizedException()
        : base(DbosErrorCode.NotAuthorized, "Not authorized.") { }
}
