using System;
using System.IO;
using System.Security.Cryptography;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;

namespace Dbos.AspNetCore.Dashboard;

/// <summary>The page, its script and its style sheet, embedded in the assembly (no CDN: the dashboard works offline).</summary>
internal static class DashboardAssets
{
    public static readonly Asset Page = Load("index.html", "text/html; charset=utf-8");
    public static readonly Asset Script = Load("dashboard.js", "text/javascript; charset=utf-8");
    public static readonly Asset Style = Load("dashboard.css", "text/css; charset=utf-8");

    // Everything the page loads comes from the dashboard itself; no framing (the actions are buttons).
    private const string ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

    /// <summary>The page; the mount path without its trailing slash is redirected to it, so the page's relative URLs resolve under it.</summary>
    public static Task ServePageAsync(HttpContext http)
    {
        if (!http.Request.Path.Value!.EndsWith('/'))
        {
            http.Response.Redirect(http.Request.PathBase + http.Request.Path + "/" + http.Request.QueryString);
            return Task.CompletedTask;
        }

        return ServeAsync(http, Page);
    }

    public static async Task ServeAsync(HttpContext http, Asset asset)
    {
        var headers = http.Response.Headers;
        headers.CacheControl = "no-cache";
        headers.ETag = asset.ETag;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        if (http.Request.Headers.IfNoneMatch.ToString() == asset.ETag)
        {
            http.Response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }

        http.Response.ContentType = asset.ContentType;
        await http.Response.Body.WriteAsync(asset.Content, http.RequestAborted).ConfigureAwait(false);
    }

    private static Asset Load(string name, string contentType)
    {
        using var stream = typeof(DashboardAssets).Assembly.GetManifestResourceStream("Dbos.AspNetCore.Dashboard." + name)
            ?? throw new InvalidOperationException($"The dashboard asset {name} is missing from Dbos.AspNetCore.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        var content = copy.ToArray();
        return new Asset(content, contentType, "\"" + Convert.ToHexString(SHA256.HashData(content).AsSpan(0, 12)) + "\"");
    }

    internal sealed record Asset(byte[] Content, string ContentType, string ETag);
}
