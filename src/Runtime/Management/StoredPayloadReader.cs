using System;
using System.Collections.Generic;
using Dbos.Serialization;

namespace Dbos.Internal;

/// <summary>Reads the stored values of listed rows with the serializer each row names (ours, portable JSON, or DBOS
/// TypeScript's <c>js_superjson</c>). One per runtime or client, shared by the rows it lists.</summary>
internal sealed class StoredPayloadReader(Func<string?, IDbosSerializer> serializerFor)
{
    public object? Deserialize(string text, Type type, string? serialization, string what)
    {
        try
        {
            return serializerFor(serialization).Deserialize(text, type);
        }
        catch (Exception e) when (e is DbosSerializationException or InvalidCastException)
        {
            throw new DbosSerializationException($"{what} cannot be read as {type.FullName}. {e.Message}", e);
        }
    }

    public object?[] DeserializeArguments(string text, IReadOnlyList<Type> types, string? serialization, string what)
    {
        try
        {
            return serializerFor(serialization).DeserializeArguments(text, types);
        }
        catch (DbosSerializationException e)
        {
            throw new DbosSerializationException($"{what} cannot be read as ({string.Join(", ", Names(types))}). {e.Message}", e);
        }
    }

    public Exception DeserializeError(string text, string? serialization) => serializerFor(serialization).DeserializeError(text);

    private static IEnumerable<string> Names(IReadOnlyList<Type> types)
    {
        foreach (var type in types)
        {
            yield return type.Name;
        }
    }
}
