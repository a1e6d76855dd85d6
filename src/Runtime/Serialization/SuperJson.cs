using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Dbos.Serialization;

/// <summary>
/// Reads DBOS TypeScript's default serialization, <c>js_superjson</c>: <c>JSON.stringify({...superjson.serialize(v),
/// "__dbos_serializer":"superjson"})</c>, i.e. <c>{"json":…,"meta":{"values":…},"__dbos_serializer":"superjson"}</c>,
/// where <c>json</c> is the value with every JavaScript-only type flattened to JSON and <c>meta.values</c> says, by
/// path, which type each flattened node was. Decoding turns the record into the plain JSON a .NET type reads.
/// </summary>
internal static class SuperJson
{
    public const string FormatName = "js_superjson";

    /// <summary>The key and value DBOS adds to every superjson record so it is never mistaken for user data.</summary>
    private const string MarkerKey = "__dbos_serializer";

    private const string MarkerValue = "superjson";

    /// <summary>A superjson record of plain JSON (nothing for <c>meta</c> to say), marked as DBOS marks its records.</summary>
    public static string Encode(JsonNode? json) => new JsonObject { ["json"] = json, [MarkerKey] = MarkerValue }.ToJsonString();

    /// <summary>
    /// The plain JSON equivalent of a stored <c>js_superjson</c> record: <c>undefined</c> → null, BigInt → a JSON
    /// number, Date/RegExp/URL → their strings (ISO 8601 for dates), Set and typed arrays → arrays, Map → an object
    /// when every key is a string or a number (else an array of [key, value] pairs), Error → <c>{name, message}</c>,
    /// Buffer → a base64 string (what <c>byte[]</c> reads), NaN/±Infinity → "NaN"/"Infinity"/"-Infinity", −0 → -0.
    /// </summary>
    public static JsonNode? Decode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        JsonNode? parsed;
        try
        {
            parsed = JsonNode.Parse(text);
        }
        catch (JsonException e)
        {
            throw new DbosSerializationException($"A value stored as {FormatName} is not JSON: {e.Message}", e);
        }

        if (parsed is not JsonObject record || !IsMarked(record) || !record.ContainsKey("json"))
        {
            // DBOS TypeScript refuses these too: without the marker the text was not written by its superjson serializer.
            throw new DbosSerializationException(
                $"A value stored as {FormatName} is not a DBOS superjson record ({{\"json\":…,\"meta\":{{…}},\"{MarkerKey}\":\"{MarkerValue}\"}}).");
        }

        var json = record["json"];
        record.Remove("json");
        if (record["meta"] is not JsonObject meta || meta["values"] is not { } values)
        {
            return json;
        }

        // superjson 2.x marks its records with v=1 and escapes backslashes in paths; DBOS 5.3 ships 1.x (no v, only dots escaped).
        var escapesBackslashes = meta["v"] is JsonValue version && version.TryGetValue<double>(out var v) && v >= 1;
        var decoder = new Decoder(json, escapesBackslashes);
        decoder.Traverse(values, new List<string>());
        return decoder.Root;
    }

    private static bool IsMarked(JsonObject record)
        => record[MarkerKey] is JsonValue marker && marker.TryGetValue<string>(out var value) && value == MarkerValue;

    private sealed class Decoder(JsonNode? root, bool escapesBackslashes)
    {
        public JsonNode? Root { get; private set; } = root;

        /// <summary>Applies an annotation tree: an object maps (escaped, dot-joined) paths to trees; an array is
        /// <c>[type]</c> or <c>[type, {path: tree}]</c>, whose children are applied before the node itself, as superjson does.</summary>
        public void Traverse(JsonNode tree, List<string> origin)
        {
            switch (tree)
            {
                case JsonObject children:
                    foreach (var (key, child) in children)
                    {
                        Traverse(child ?? throw Invalid($"the annotation at '{key}' is null"), Concat(origin, key));
                    }

                    break;
                case JsonArray { Count: >= 1 } node:
                    if (node.Count > 1 && node[1] is JsonObject inner)
                    {
                        foreach (var (key, child) in inner)
                        {
                            Traverse(child ?? throw Invalid($"the annotation at '{key}' is null"), Concat(origin, key));
                        }
                    }

                    Replace(origin, node[0] ?? throw Invalid("an annotation has no type"));
                    break;
                default:
                    throw Invalid($"the annotation {tree.ToJsonString()} is neither a type nor a map of paths");
            }
        }

        private List<string> Concat(List<string> origin, string key)
        {
            var path = new List<string>(origin);
            path.AddRange(ParsePath(key));
            return path;
        }

        /// <summary>A path's segments: joined by dots, a dot inside a key written <c>\.</c> (and, in superjson 2.x, a backslash <c>\\</c>).</summary>
        private IEnumerable<string> ParsePath(string path)
        {
            var segment = new System.Text.StringBuilder();
            for (var i = 0; i < path.Length; i++)
            {
                var c = path[i];
                if (c == '\\' && i + 1 < path.Length && (path[i + 1] == '.' || (escapesBackslashes && path[i + 1] == '\\')))
                {
                    segment.Append(path[i + 1]);
                    i++;
                }
                else if (c == '.')
                {
                    yield return segment.ToString();
                    segment.Clear();
                }
                else
                {
                    segment.Append(c);
                }
            }

            yield return segment.ToString();
        }

        /// <summary>Converts the node at the path. A path that leads nowhere is skipped, as superjson itself does (1.x does
        /// not escape dots in the keys of an object's direct children): the node keeps its JSON form.</summary>
        private void Replace(List<string> path, JsonNode type)
        {
            if (path.Count == 0)
            {
                Root = Convert(Root, type, path);
                return;
            }

            var parent = Root;
            for (var i = 0; i < path.Count - 1 && parent is not null; i++)
            {
                parent = Child(parent, path[i]);
            }

            var last = path[^1];
            switch (parent)
            {
                case JsonObject o when o.ContainsKey(last):
                    var value = o[last];
                    o[last] = null; // detach, so the converted node can take its place
                    o[last] = Convert(value, type, path);
                    break;
                case JsonArray a when TryIndex(a, last, out var index):
                    var item = a[index];
                    a[index] = null;
                    a[index] = Convert(item, type, path);
                    break;
            }
        }

        private static JsonNode? Child(JsonNode node, string segment) => node switch
        {
            JsonObject o => o.TryGetPropertyValue(segment, out var child) ? child : null,
            JsonArray a when TryIndex(a, segment, out var index) => a[index],
            _ => null,
        };

        private static bool TryIndex(JsonArray array, string segment, out int index)
            => int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out index) && index < array.Count;

        private static JsonNode? Convert(JsonNode? value, JsonNode type, List<string> path)
        {
            if (type is JsonValue simple && simple.TryGetValue<string>(out var name))
            {
                switch (name)
                {
                    case "undefined":
                        return null;
                    case "bigint":
                        return BigInt(value, path);
                    case "Date" or "regexp" or "URL" or "Error" or "set":
                        return value; // already the ISO string, "/body/flags", the URL, {name, message}, the array
                    case "map":
                        return Map(value, path);
                    case "number":
                        // NaN and ±Infinity stay the strings .NET reads as named floating-point literals; -0 is a number.
                        return value is JsonValue s && s.TryGetValue<string>(out var text) && text == "-0" ? JsonValue.Create(-0.0) : value;
                    default:
                        throw Invalid($"the annotation '{name}' at '{string.Join('.', path)}' is not a superjson type this SDK knows");
                }
            }

            if (type is JsonArray { Count: >= 1 } composite && composite[0] is JsonValue kindValue && kindValue.TryGetValue<string>(out var kind))
            {
                var detail = composite.Count > 1 && composite[1] is JsonValue d && d.TryGetValue<string>(out var s2) ? s2 : null;
                switch (kind)
                {
                    case "custom" when detail == "Buffer":
                        return Buffer(value, path);
                    case "custom" or "class" or "typed-array" or "symbol":
                        return value; // an app's own recipe, a registered class's fields, the numbers, the symbol's description
                }
            }

            throw Invalid($"the annotation {type.ToJsonString()} at '{string.Join('.', path)}' is not a superjson type this SDK knows");
        }

        private static JsonNode BigInt(JsonNode? value, List<string> path)
        {
            if (value is JsonValue v && v.TryGetValue<string>(out var digits) && digits.Length > 0 &&
                (char.IsAsciiDigit(digits[0]) || (digits[0] == '-' && digits.Length > 1)) && digits.Skip(1).All(char.IsAsciiDigit))
            {
                try
                {
                    return JsonNode.Parse(digits)!;
                }
                catch (JsonException)
                {
                    // leading zeros: not what BigInt.toString writes
                }
            }

            throw Invalid($"the BigInt at '{string.Join('.', path)}' is not a decimal integer");
        }

        private static JsonNode Map(JsonNode? value, List<string> path)
        {
            if (value is not JsonArray entries || entries.Any(e => e is not JsonArray { Count: 2 }))
            {
                throw Invalid($"the Map at '{string.Join('.', path)}' is not an array of [key, value] pairs");
            }

            var keys = new List<string>(entries.Count);
            foreach (var entry in entries)
            {
                var key = entry![0];
                if (key is not JsonValue k)
                {
                    return entries; // object keys: only the pairs say what the Map held
                }

                switch (k.GetValueKind())
                {
                    case JsonValueKind.String:
                        keys.Add(k.GetValue<string>());
                        break;
                    case JsonValueKind.Number:
                        keys.Add(k.ToJsonString());
                        break;
                    default:
                        return entries;
                }
            }

            if (keys.Distinct(StringComparer.Ordinal).Count() != keys.Count)
            {
                return entries; // 1 and "1" are two keys of a Map but one property of an object
            }

            var result = new JsonObject();
            for (var i = 0; i < entries.Count; i++)
            {
                var pair = (JsonArray)entries[i]!;
                var item = pair[1];
                pair[1] = null;
                result[keys[i]] = item;
            }

            return result;
        }

        private static JsonNode Buffer(JsonNode? value, List<string> path)
        {
            if (value is JsonArray bytes && bytes.All(b => b is JsonValue n && n.TryGetValue<int>(out var i) && i is >= 0 and <= 255))
            {
                return JsonValue.Create(System.Convert.ToBase64String(bytes.Select(b => (byte)b!.GetValue<int>()).ToArray()));
            }

            throw Invalid($"the Buffer at '{string.Join('.', path)}' is not an array of bytes");
        }

        private static DbosSerializationException Invalid(string what)
            => new($"A value stored as {FormatName} has meta annotations this SDK cannot apply: {what}.");
    }
}
