using System;
using System.Threading.Tasks;
using Dbos.Internal;

namespace Dbos.Authorization;

/// <summary>Required roles of steps and transactions: checked at the call, with the matching role assumed while the body runs.</summary>
internal static class StepAuthorization
{
    /// <exception cref="NotAuthorizedException">The caller has none of the step's roles.</exception>
    public static DbosAmbient Authorize(StepDescriptor step, DbosAmbient? ambient)
        => (ambient ?? new DbosAmbient()) with { Authentication = Authorizer.Authorize(step.RequiredRoles, ambient?.Authentication, "step", step.Name) };

    /// <exception cref="NotAuthorizedException">The caller has none of the transaction's roles.</exception>
    public static DbosAmbient Authorize(TransactionDescriptor transaction, DbosAmbient? ambient)
        => (ambient ?? new DbosAmbient()) with { Authentication = Authorizer.Authorize(transaction.RequiredRoles, ambient?.Authentication, "transaction", transaction.Name) };

    /// <summary>Runs the body with <paramref name="ambient"/> (the continuations of an async body keep it).</summary>
    public static Task<T> Run<T>(DbosAmbient? ambient, Func<Task<T>> body)
    {
        if (ambient is null || ReferenceEquals(ambient, DbosAmbient.Current))
        {
            return body();
        }

        using (DbosAmbient.Push(ambient))
        {
            return body();
        }
    }
}
