using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Text.Json;

namespace Dbos.Internal;

/// <summary>Who is calling: the authenticated user, the roles granted to them and the role they currently act in.
/// Stored with each workflow (<c>authenticated_user</c>, <c>authenticated_roles</c> as a JSON array, <c>assumed_role</c>).</summary>
internal sealed record DbosAuthentication(string? User, IReadOnlyList<string>? Roles, string? AssumedRole)
{
    /// <summary>The roles as DBOS stores them: a JSON array of strings, or null.</summary>
    public string? RolesJson => Roles is null ? null : ContextJson.WriteStringArray(Roles);

    /// <summary>From the stored columns; empty strings (what DBOS clients write for "none") read as null.</summary>
    public static DbosAuthentication? FromStored(string? user, string? rolesJson, string? assumedRole)
    {
        var roles = ContextJson.ReadStringArray(rolesJson);
        user = string.IsNullOrEmpty(user) ? null : user;
        assumedRole = string.IsNullOrEmpty(assumedRole) ? null : assumedRole;
        return user is null && roles is null && assumedRole is null ? null : new DbosAuthentication(user, roles, assumedRole);
    }

    /// <summary>The longest user name kept; a longer one (from a hostile or broken identity provider) is cut with a marker.</summary>
    public const int MaxUserLength = 1024;

    /// <summary>The longest role kept; a longer one is cut with a marker (and so matches no required role).</summary>
    public const int MaxRoleLength = 256;

    /// <summary>The most roles kept; the rest are left out (which can only deny, never grant).</summary>
    public const int MaxRoles = 256;

    /// <summary>A copy of the values, bounded as they will be stored, so what code sees now is what a recovered workflow sees.</summary>
    public static DbosAuthentication? Create(string? user, IEnumerable<string>? roles)
    {
        if (user is null && roles is null)
        {
            return null;
        }

        string[]? copy = null;
        if (roles is not null)
        {
            var list = new List<string>();
            foreach (var role in roles)
            {
                ArgumentNullException.ThrowIfNull(role, nameof(roles));
                if (list.Count < MaxRoles)
                {
                    list.Add(ContextJson.Cut(role, MaxRoleLength));
                }
            }

            copy = list.ToArray();
        }

        return new DbosAuthentication(user is null ? null : ContextJson.Cut(user, MaxUserLength), copy is null ? null : Array.AsReadOnly(copy), null);
    }
}

/// <summary>The small JSON documents of the context columns, written and read by hand (no reflection, bounded input).</summary>
internal static class ContextJson
{
    private const string Marker = "[truncated by DBOS: {0} more characters]";

    public static string WriteStringArray(IReadOnlyList<string> values)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var value in values)
            {
                writer.WriteStringValue(Sanitize(value));
            }

            writer.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>A JSON array of strings, or null when absent or malformed.</summary>
    public static IReadOnlyList<string>? ReadStringArray(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                return null;
            }

            var values = new List<string>();
            foreach (var element in document.RootElement.EnumerateArray())
            {
                if (element.ValueKind == JsonValueKind.String)
                {
                    values.Add(element.GetString()!);
                }
            }

            return values.AsReadOnly();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The request as stored in <c>workflow_status.request</c>: JSON, at most <see cref="DbosRequest.MaxStoredBytes"/>
    /// bytes. A larger request is stored truncated (long values cut with a marker, then entries left out) and flagged.</summary>
    public static string WriteRequest(DbosRequest request, out bool truncated)
    {
        var whole = WriteRequestDocument(request, int.MaxValue, int.MaxValue, request.Truncated);
        truncated = Encoding.UTF8.GetByteCount(whole) > DbosRequest.MaxStoredBytes;
        if (!truncated)
        {
            return whole;
        }

        // Long values cut, then entries while they fit; a margin keeps the closing braces inside the cap.
        var bounded = WriteRequestDocument(request, DbosRequest.MaxStoredValueLength, DbosRequest.MaxStoredBytes - 256, truncated: true);
        if (Encoding.UTF8.GetByteCount(bounded) <= DbosRequest.MaxStoredBytes)
        {
            return bounded;
        }

        // Only fixed fields full of characters JSON escapes at six bytes each get here.
        return WriteRequestDocument(request, 256, 0, truncated: true);
    }

    private static string WriteRequestDocument(DbosRequest request, int maxValue, int budget, bool truncated)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("method", Cut(request.Method, maxValue));
            writer.WriteString("url", Cut(request.Url, maxValue));
            writer.WriteString("baseUrl", Cut(request.BaseUrl, maxValue));
            if (request.ClientAddress is { } client)
            {
                writer.WriteString("clientAddress", Cut(client, maxValue));
            }

            if (request.RequestId is { } id)
            {
                writer.WriteString("requestId", Cut(id, maxValue));
            }

            writer.WriteBoolean("truncated", truncated);
            WriteMap(writer, buffer, "headers", request.Headers, maxValue, budget);
            WriteMap(writer, buffer, "pathParams", request.PathParams, maxValue, budget);
            WriteMap(writer, buffer, "queryParams", request.QueryParams, maxValue, budget);
            WriteMap(writer, buffer, "cookies", request.Cookies, maxValue, budget);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static void WriteMap(Utf8JsonWriter writer, MemoryStream buffer, string name, IReadOnlyDictionary<string, string> map, int maxValue, int budget)
    {
        writer.WriteStartObject(name);
        foreach (var (key, value) in map)
        {
            var k = JsonEncodedText.Encode(Cut(key, maxValue));
            var v = JsonEncodedText.Encode(Cut(value, maxValue));
            writer.Flush();
            if (buffer.Length + writer.BytesPending + k.EncodedUtf8Bytes.Length + v.EncodedUtf8Bytes.Length + 8 > budget)
            {
                // The rest does not fit; the request is flagged truncated.
                break;
            }

            writer.WriteString(k, v);
        }

        writer.WriteEndObject();
    }

    /// <summary>Reads a stored request; null when absent or not a request document.</summary>
    public static DbosRequest? ReadRequest(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            return new DbosRequest
            {
                Method = GetString(root, "method") ?? string.Empty,
                Url = GetString(root, "url") ?? string.Empty,
                BaseUrl = GetString(root, "baseUrl") ?? string.Empty,
                ClientAddress = GetString(root, "clientAddress"),
                RequestId = GetString(root, "requestId"),
                Truncated = root.TryGetProperty("truncated", out var t) && t.ValueKind == JsonValueKind.True,
                Headers = ReadMap(root, "headers", StringComparer.OrdinalIgnoreCase),
                PathParams = ReadMap(root, "pathParams", StringComparer.Ordinal),
                QueryParams = ReadMap(root, "queryParams", StringComparer.Ordinal),
                Cookies = ReadMap(root, "cookies", StringComparer.Ordinal),
            };
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? GetString(JsonElement root, string name)
        => root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static IReadOnlyDictionary<string, string> ReadMap(JsonElement root, string name, StringComparer comparer)
    {
        var map = new Dictionary<string, string>(comparer);
        if (root.TryGetProperty(name, out var element) && element.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in element.EnumerateObject())
            {
                if (property.Value.ValueKind == JsonValueKind.String)
                {
                    map[property.Name] = property.Value.GetString()!;
                }
            }
        }

        return map;
    }

    /// <summary>Cuts a value to <paramref name="max"/> characters with a marker saying how much was cut, and replaces lone
    /// surrogates (which JSON cannot carry) with U+FFFD.</summary>
    internal static string Cut(string? value, int max)
    {
        value = Sanitize(value ?? string.Empty);
        if (value.Length <= max)
        {
            return value;
        }

        var keep = max;
        if (char.IsHighSurrogate(value[keep - 1]))
        {
            keep--;
        }

        return value[..keep] + string.Format(System.Globalization.CultureInfo.InvariantCulture, Marker, value.Length - keep);
    }

    internal static string Sanitize(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            if (char.IsSurrogate(value[i]) && !(char.IsHighSurrogate(value[i]) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1])))
            {
                return Replace(value);
            }

            if (char.IsHighSurrogate(value[i]))
            {
                i++;
            }
        }

        return value;

        static string Replace(string value)
        {
            var builder = new StringBuilder(value.Length);
            for (var i = 0; i < value.Length; i++)
            {
                var c = value[i];
                if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
                {
                    builder.Append(c).Append(value[i + 1]);
                    i++;
                }
                else
                {
                    builder.Append(char.IsSurrogate(c) ? '\uFFFD' : c);
                }
            }

            return builder.ToString();
        }
    }
}
