using System;
using System.Collections.Generic;
using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Extensions;

namespace Dbos.AspNetCore;

/// <summary>Reads an ASP.NET Core request as a <see cref="DbosRequest"/>.</summary>
public static class DbosHttpContextExtensions
{
    /// <summary>The request as <see cref="DBOS.Request"/> shows it: method, URL, base URL, headers, route values, query,
    /// cookies and client address. Repeated headers are joined with <c>", "</c>, repeated query parameters with <c>","</c>.</summary>
    public static DbosRequest ToDbosRequest(this HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var request = context.Request;
        var headers = new Dictionary<string, string>(request.Headers.Count, StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in request.Headers)
        {
            headers[name] = values.ToString();
        }

        var query = new Dictionary<string, string>(request.Query.Count, StringComparer.Ordinal);
        foreach (var (name, values) in request.Query)
        {
            query[name] = values.ToString();
        }

        var cookies = new Dictionary<string, string>(request.Cookies.Count, StringComparer.Ordinal);
        foreach (var (name, value) in request.Cookies)
        {
            cookies[name] = value;
        }

        var route = new Dictionary<string, string>(request.RouteValues.Count, StringComparer.Ordinal);
        foreach (var (name, value) in request.RouteValues)
        {
            if (value is not null)
            {
                route[name] = Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty;
            }
        }

        var connection = context.Connection;
        return new DbosRequest
        {
            Method = request.Method,
            Url = request.GetEncodedUrl(),
            BaseUrl = UriHelper.BuildAbsolute(request.Scheme, request.Host, request.PathBase, "/"),
            Headers = headers,
            PathParams = route,
            QueryParams = query,
            Cookies = cookies,
            ClientAddress = connection.RemoteIpAddress is { } address
                ? (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address) + ":" + connection.RemotePort.ToString(CultureInfo.InvariantCulture)
                : null,
            RequestId = context.TraceIdentifier,
        };
    }
}
