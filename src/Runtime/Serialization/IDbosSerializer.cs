using System;
using System.Collections.Generic;

namespace Dbos.Serialization;

/// <summary>
/// Turns workflow inputs, outputs, step outputs and errors into the text stored in the system database.
/// The default is <see cref="PortableJsonSerializer"/> (<c>portable_json</c>), which every DBOS client can read.
/// </summary>
public interface IDbosSerializer
{
    /// <summary>The name stored in the <c>serialization</c> columns.</summary>
    string Name { get; }

    string Serialize(object? value, Type type);

    object? Deserialize(string text, Type type);

    /// <summary>Serializes a workflow's arguments (portable JSON: <c>{"positionalArgs":[...],"namedArgs":{}}</c>).</summary>
    string SerializeArguments(IReadOnlyList<object?> arguments, IReadOnlyList<Type> types);

    object?[] DeserializeArguments(string text, IReadOnlyList<Type> types);

    string SerializeError(Exception error);

    /// <summary>Recreates a recorded error: the original exception type where it can be, else a <see cref="PortableWorkflowException"/>.</summary>
    Exception DeserializeError(string text);
}
