using System;
using System.Collections.Generic;

namespace Dbos;

/// <summary>
/// The HTTP request that the current code handles, as <see cref="DBOS.Request"/> shows it: set by a web integration
/// (<c>app.UseDbos()</c> in the Dbos.AspNetCore package) for the handler, and stored with every workflow started from it
/// (<c>workflow_status.request</c>, JSON), so the workflow sees it too, also after recovery. Header names and cookie names
/// are compared case-insensitively and ordinally respectively. Values with several occurrences are joined with <c>", "</c>
/// (headers) or <c>","</c> (query parameters).
/// </summary>
public sealed class DbosRequest
{
    private static readonly IReadOnlyDictionary<string, string> None = new Dictionary<string, string>();

    /// <summary>The HTTP method, e.g. <c>GET</c>.</summary>
    public string Method { get; init; } = string.Empty;

    /// <summary>The full URL the request was sent to, with its query string.</summary>
    public string Url { get; init; } = string.Empty;

    /// <summary>The application's base URL: scheme, host and path base, e.g. <c>http://127.0.0.1:5000/</c>.</summary>
    public string BaseUrl { get; init; } = string.Empty;

    /// <summary>The request headers (names case-insensitive).</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = None;

    /// <summary>The route values of the matched endpoint, e.g. <c>{"id": "42"}</c> for <c>/orders/{id}</c>.</summary>
    public IReadOnlyDictionary<string, string> PathParams { get; init; } = None;

    /// <summary>The query string's parameters.</summary>
    public IReadOnlyDictionary<string, string> QueryParams { get; init; } = None;

    /// <summary>The request's cookies.</summary>
    public IReadOnlyDictionary<string, string> Cookies { get; init; } = None;

    /// <summary>The client's address and port, e.g. <c>127.0.0.1:53124</c>, or null when unknown.</summary>
    public string? ClientAddress { get; init; }

    /// <summary>The server's identifier of the request (ASP.NET Core's <c>TraceIdentifier</c>), or null.</summary>
    public string? RequestId { get; init; }

    /// <summary>True when this is the stored copy of a request too large to store whole: values longer than
    /// <see cref="MaxStoredValueLength"/> end with a <c>[truncated by DBOS: N more characters]</c> marker and, if that was not
    /// enough, the entries past <see cref="MaxStoredBytes"/> were left out.</summary>
    public bool Truncated { get; init; }

    /// <summary>The most a request takes in <c>workflow_status.request</c> (UTF-8 JSON): 64 KiB.</summary>
    public const int MaxStoredBytes = 64 * 1024;

    /// <summary>The longest single value (header, cookie, parameter, URL) kept when a request must be truncated.</summary>
    public const int MaxStoredValueLength = 4096;

    /// <summary>The header value, or null when the request has no such header.</summary>
    public string? GetHeader(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (Headers.TryGetValue(name, out var value))
        {
            return value;
        }

        // A dictionary built by the caller may be case-sensitive; header names are not.
        foreach (var (key, headerValue) in Headers)
        {
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase))
            {
                return headerValue;
            }
        }

        return null;
    }

    public override string ToString() => $"{Method} {Url}";
}
