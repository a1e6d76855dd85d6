using System;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dbos.Serialization;

namespace Dbos.Scheduling;

/// <summary>
/// The <c>context</c> column of a schedule. It has no serialization column, and DBOS TypeScript parses it with its default
/// serializer, which accepts only its own marked records; so this SDK writes the portable JSON of the value inside such a record
/// (<c>{"json":...,"__dbos_serializer":"superjson"}</c>, readable by both) and reads either form.
/// </summary>
internal static class ScheduleContext
{
    private const string MarkerKey = "__dbos_serializer";
    private const string MarkerValue = "superjson";

    public static string Write(DbosRuntime runtime, object? context, Type type)
    {
        var portable = runtime.Serializer as PortableJsonSerializer ?? PortableJsonSerializer.Default;
        var json = JsonNode.Parse(portable.Serialize(context, type));
        return new JsonObject { ["json"] = json, [MarkerKey] = MarkerValue }.ToJsonString();
    }

    public static object? Read(DbosRuntime runtime, string text, Type type, string scheduleName)
    {
        try
        {
            return IsMarked(text)
                ? runtime.SerializerFor(SuperJson.FormatName).Deserialize(text, type)
                : (runtime.Serializer as PortableJsonSerializer ?? PortableJsonSerializer.Default).Deserialize(text, type);
        }
        catch (Exception e) when (e is DbosSerializationException or JsonException)
        {
            throw new DbosSerializationException($"The context of schedule '{scheduleName}' cannot be read as {type.FullName}: {e.Message}", e);
        }
    }

    private static bool IsMarked(string text)
    {
        try
        {
            return JsonNode.Parse(text) is JsonObject record && record[MarkerKey] is JsonValue marker
                && marker.TryGetValue<string>(out var value) && value == MarkerValue && record.ContainsKey("json");
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
