using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Dbos.Serialization;

/// <summary>
/// Reads values that DBOS TypeScript wrote with its default serializer (<c>js_superjson</c>): results, errors,
/// events, messages and workflow inputs (a positional-arguments array) of TypeScript workflows and of the TypeScript
/// client's calls that do not ask for <c>serializationType: 'portable'</c>. The decoded value is read with the runtime's
/// portable JSON options, plus NaN and ±Infinity as JavaScript has them.
/// Writes only the outcome of a workflow whose row says <c>js_superjson</c> (the TypeScript client enqueued it with its
/// default serializer, and decodes its result by that tag): the portable JSON of the value as the record's <c>json</c>, with
/// no <c>meta</c> (dates are ISO strings, as in portable JSON); an error is the portable error record (name, message, code,
/// data) in the same envelope, which serialize-error reads back as an <c>Error</c>.
/// </summary>
internal sealed class SuperJsonSerializer : IDbosSerializer
{
    public static readonly SuperJsonSerializer Default = new(PortableJsonSerializer.Default.Options);

    private readonly JsonSerializerOptions _options;
    private readonly PortableJsonSerializer _portable;

    public SuperJsonSerializer(JsonSerializerOptions portableOptions)
    {
        ArgumentNullException.ThrowIfNull(portableOptions);
        _portable = new PortableJsonSerializer(portableOptions);
        _options = new JsonSerializerOptions(portableOptions);
        _options.NumberHandling |= JsonNumberHandling.AllowNamedFloatingPointLiterals;
        _options.MakeReadOnly();
    }

    public string Name => SuperJson.FormatName;

    public string Serialize(object? value, Type type) => SuperJson.Encode(JsonNode.Parse(_portable.Serialize(value, type)));

    public object? Deserialize(string text, Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        if (type == typeof(void))
        {
            return null;
        }

        var node = SuperJson.Decode(text);
        try
        {
            return node.Deserialize(PortableJsonSerializer.TypeInfo(_options, type));
        }
        catch (Exception e) when (e is NotSupportedException or JsonException or InvalidOperationException or ArgumentException)
        {
            throw new DbosSerializationException(
                $"The stored {StoredFormats.Label(Name)} value is {StoredFormats.Kind(node)} and cannot be read as {type.FullName ?? type.Name}: {e.Message}", e);
        }
    }

    public string SerializeArguments(IReadOnlyList<object?> arguments, IReadOnlyList<Type> types) => throw ReadOnly();

    public object?[] DeserializeArguments(string text, IReadOnlyList<Type> types)
    {
        ArgumentNullException.ThrowIfNull(types);
        // DBOS TypeScript stores the positional arguments array itself (named arguments need portable_json).
        if (SuperJson.Decode(text) is not JsonArray positional)
        {
            throw new DbosSerializationException($"Stored {StoredFormats.Label(Name)} workflow inputs are not an array of positional arguments.");
        }

        if (positional.Count != types.Count)
        {
            throw new DbosSerializationException($"Stored {StoredFormats.Label(Name)} workflow inputs have {positional.Count} arguments, but the workflow takes {types.Count}.");
        }

        var values = new object?[types.Count];
        for (var i = 0; i < values.Length; i++)
        {
            try
            {
                values[i] = positional[i].Deserialize(PortableJsonSerializer.TypeInfo(_options, types[i]));
            }
            catch (Exception e) when (e is NotSupportedException or JsonException or InvalidOperationException or ArgumentException)
            {
                throw new DbosSerializationException(
                    $"Argument {i} of the stored {StoredFormats.Label(Name)} workflow inputs is {StoredFormats.Kind(positional[i])} and cannot be read as {types[i].FullName ?? types[i].Name}: {e.Message}", e);
            }
        }

        return values;
    }

    public string SerializeError(Exception error) => SuperJson.Encode(JsonNode.Parse(_portable.SerializeError(error)));

    /// <summary>DBOS TypeScript stores errors as serialize-error records (<c>name</c>, <c>message</c>, <c>stack</c>,
    /// <c>code</c>, <c>cause</c> and the error's own fields); the fields other than name, message and code become the data.</summary>
    public Exception DeserializeError(string text)
    {
        JsonNode? node;
        try
        {
            node = SuperJson.Decode(text);
        }
        catch (DbosSerializationException)
        {
            return new PortableWorkflowException("Error", text, null, null);
        }

        if (node is not JsonObject record)
        {
            return new PortableWorkflowException("Error", node is JsonValue v && v.TryGetValue<string>(out var s) ? s : node?.ToJsonString() ?? "null", null, null);
        }

        if (record["data"] is JsonObject written && written.ContainsKey("dotnetType"))
        {
            return _portable.DeserializeError(record.ToJsonString()); // a .NET error this SDK wrote (SerializeError): its own type again
        }

        var name = record["name"] is JsonValue n && n.TryGetValue<string>(out var nameText) ? nameText : "Error";
        var message = record["message"] is JsonValue m && m.TryGetValue<string>(out var messageText) ? messageText : string.Empty;
        var code = record["code"]?.ToJsonString();
        var data = new JsonObject();
        foreach (var (key, value) in record.ToList())
        {
            if (key is not ("name" or "message" or "code"))
            {
                record.Remove(key);
                data[key] = value;
            }
        }

        return new PortableWorkflowException(name, message, code, data.Count == 0 ? null : data.ToJsonString());
    }

    private NotSupportedException ReadOnly()
        => new($"{Name} workflow inputs are read, not written: this SDK writes portable_json, which DBOS TypeScript reads too.");
}
