using System.Text.Json;
using System.Text.Json.Nodes;

namespace Dbos.Serialization;

/// <summary>Names the serializations found in the system database and the kinds of values they hold, for error
/// messages that say what was found, not only what was expected.</summary>
internal static class StoredFormats
{
    /// <summary>A <c>serialization</c> column value as users know it: the name, and which DBOS SDK writes it by default.</summary>
    public static string Label(string? serialization) => serialization switch
    {
        null => "unnamed (NULL serialization)",
        PortableJsonSerializer.FormatName => "portable_json",
        SuperJson.FormatName => "js_superjson (DBOS TypeScript's default serializer)",
        "js_legacy" => "js_legacy (DBOS TypeScript's serializer before superjson)",
        "py_pickle" => "py_pickle (DBOS Python's default serializer)",
        "java_jackson" => "java_jackson (DBOS Java's default serializer)",
        "DBOS_JSON" or "DBOS_GOB" => serialization + " (DBOS Go's serializer)",
        _ => serialization,
    };

    /// <summary>The error for a serialization this runtime cannot read.</summary>
    public static DbosSerializationException NotReadable(string serialization, string ownName)
    {
        var own = ownName is PortableJsonSerializer.FormatName or SuperJson.FormatName ? string.Empty : $", {ownName} (this runtime's serializer)";
        return new DbosSerializationException(
            $"The value is stored as {Label(serialization)}, which this SDK cannot read: it reads portable_json, js_superjson{own}. " +
            "Have the writer use portable_json for values that cross languages (e.g. serializationType: 'portable' in DBOS TypeScript).");
    }

    /// <summary>"a JSON object", "a JSON string", ...: what a JSON text holds.</summary>
    public static string Kind(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return Kind(document.RootElement.ValueKind);
        }
        catch (JsonException)
        {
            return "not JSON";
        }
    }

    public static string Kind(JsonNode? node) => node is null ? "JSON null" : Kind(node.GetValueKind());

    private static string Kind(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "a JSON object",
        JsonValueKind.Array => "a JSON array",
        JsonValueKind.String => "a JSON string",
        JsonValueKind.Number => "a JSON number",
        JsonValueKind.True or JsonValueKind.False => "a JSON boolean",
        _ => "JSON null",
    };
}
