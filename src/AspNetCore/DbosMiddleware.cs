using System;
using System.Buffers;
using System.Collections.Generic;
using System.Diagnostics;
using System.Security.Claims;
using System.Text.Json;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dbos.AspNetCore;

/// <summary>
/// Gives each request a DBOS context: <see cref="DBOS.Request"/>, the authenticated user and roles from
/// <c>HttpContext.User</c>, and the <c>dbos-idempotency-key</c> header as the next workflow's ID. Workflows started while
/// handling the request store them and see them, also after recovery.
/// </summary>
internal sealed class DbosMiddleware(RequestDelegate next, IOptions<DbosAspNetCoreOptions> options, ILogger<DbosMiddleware> logger)
{
    private readonly DbosAspNetCoreOptions _options = options.Value;

    public async Task InvokeAsync(HttpContext context)
    {
        SetWorkflowID? idempotencyKey = null;
        if (_options.UseIdempotencyKeyHeader && context.Request.Headers.TryGetValue(DbosAspNetCoreOptions.IdempotencyKeyHeader, out var key) && key.Count > 0)
        {
            try
            {
                idempotencyKey = new SetWorkflowID(key.ToString());
            }
            catch (ArgumentException e)
            {
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                await WriteErrorAsync(context, e.Message, null, "InvalidIdempotencyKey").ConfigureAwait(false);
                return;
            }
        }

        using (idempotencyKey)
        using (new DBOSContextSetRequest(context.ToDbosRequest()))
        using (Authenticate(context))
        {
            try
            {
                await next(context).ConfigureAwait(false);
            }
            catch (DbosException e) when (_options.HandleDbosExceptions && !context.Response.HasStarted)
            {
                var status = e.ErrorCode switch
                {
                    DbosErrorCode.NotAuthorized => StatusCodes.Status403Forbidden,
                    DbosErrorCode.NonExistentWorkflow => StatusCodes.Status404NotFound,
                    DbosErrorCode.ConflictingWorkflow or DbosErrorCode.ConflictingId => StatusCodes.Status409Conflict,
                    _ => StatusCodes.Status500InternalServerError,
                };
                if (status == StatusCodes.Status500InternalServerError)
                {
                    logger.LogError(e, "Request {Method} {Path} failed with a DBOS error.", context.Request.Method, context.Request.Path);
                }

                context.Response.Clear();
                context.Response.StatusCode = status;
                await WriteErrorAsync(context, e.Message, (int)e.ErrorCode, e.GetType().Name).ConfigureAwait(false);
            }
        }
    }

    private DBOSContextSetAuth? Authenticate(HttpContext context)
    {
        if (!_options.MapClaimsPrincipal || context.User is not { Identity.IsAuthenticated: true } principal)
        {
            return null;
        }

        string? user = null;
        var roles = new List<string>();
        foreach (var identity in principal.Identities)
        {
            if (!identity.IsAuthenticated)
            {
                continue;
            }

            user ??= identity.FindFirst(_options.NameClaimType ?? identity.NameClaimType)?.Value
                ?? identity.FindFirst(ClaimTypes.NameIdentifier)?.Value;
            foreach (var claim in identity.FindAll(_options.RoleClaimType ?? identity.RoleClaimType))
            {
                if (!roles.Contains(claim.Value))
                {
                    roles.Add(claim.Value);
                }
            }
        }

        var scope = new DBOSContextSetAuth(user, roles);
        if (Activity.Current is { IsAllDataRequested: true } requestSpan && user is not null)
        {
            // DBOS tags its handler spans with the user; here the request's span is ASP.NET Core's.
            requestSpan.SetTag("authenticatedUser", DBOS.AuthenticatedUser);
        }

        return scope;
    }

    private static Task WriteErrorAsync(HttpContext context, string message, int? code, string error)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        // Written field by field: no reflection, so the middleware works in Native AOT apps.
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("message", message);
            if (code is { } value)
            {
                writer.WriteNumber("dbos_error_code", value);
            }
            else
            {
                writer.WriteNull("dbos_error_code");
            }

            writer.WriteString("dbos_error", error);
            writer.WriteEndObject();
        }

        return context.Response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted).AsTask();
    }
}
