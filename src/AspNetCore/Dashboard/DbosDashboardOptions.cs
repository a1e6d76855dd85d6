using System;

namespace Dbos.AspNetCore;

/// <summary>Who may open the DBOS dashboard (<c>app.MapDbosDashboard(...)</c>) and how it shows values.</summary>
public sealed class DbosDashboardOptions
{
    /// <summary>The authorization policy (registered with <c>AddAuthorization</c>) a caller must satisfy to see the dashboard and
    /// act on workflows. Without one the dashboard refuses every request (403), except loopback ones when
    /// <see cref="AllowAnonymousOnLocalhost"/> is set.</summary>
    public string? AuthorizationPolicy { get; set; }

    /// <summary>Lets requests from this machine (a loopback address, without proxy headers) in without the policy. For local
    /// development only: behind a reverse proxy on the same host, every request would come from loopback.</summary>
    public bool AllowAnonymousOnLocalhost { get; set; }

    /// <summary>Stored values (inputs, outputs, errors, step outputs, events, messages) longer than this many characters are
    /// cut in the pages, which offer the whole value on demand. Default 2000.</summary>
    public int MaxValueLength { get; set; } = 2000;

    /// <summary>How often an open page asks for changes (answered with 304 when nothing changed). Default 3 seconds.</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(3);

    internal void Validate()
    {
        if (MaxValueLength < 100)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxValueLength), MaxValueLength, "MaxValueLength must be at least 100 characters.");
        }

        if (RefreshInterval < TimeSpan.FromMilliseconds(500))
        {
            throw new ArgumentOutOfRangeException(nameof(RefreshInterval), RefreshInterval, "RefreshInterval must be at least 500 ms: every open page polls at this rate.");
        }

        if (AuthorizationPolicy is { } policy && string.IsNullOrWhiteSpace(policy))
        {
            throw new ArgumentException("AuthorizationPolicy is blank: name a policy registered with AddAuthorization, or leave it null.", nameof(AuthorizationPolicy));
        }
    }
}
