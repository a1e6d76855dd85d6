using System;
using System.Buffers;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Linq;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Dbos.Serialization;

/// <summary>
/// DBOS's <c>portable_json</c> format (System.Text.Json): values as plain JSON, workflow inputs as
/// <c>{"positionalArgs":[...],"namedArgs":{}}</c>, errors as <c>{"name","message","code","data"}</c>.
/// Every DBOS client (Python, TypeScript, Go, Java) reads it.
/// </summary>
public sealed class PortableJsonSerializer : IDbosSerializer
{
    /// <summary>The format name stored in the <c>serialization</c> columns.</summary>
    public const string FormatName = "portable_json";

    /// <summary>The shared default instance (camelCase property names, as JSON from other languages usually has).</summary>
    public static readonly PortableJsonSerializer Default = new();

    private readonly JsonSerializerOptions _options;

    public PortableJsonSerializer(JsonSerializerOptions? options = null)
        : this(options, [])
    {
    }

    /// <summary>A serializer that also finds types' metadata in <paramref name="resolvers"/> (<see cref="DbosOptions.JsonTypeInfoResolvers"/>).</summary>
    internal PortableJsonSerializer(JsonSerializerOptions? options, IEnumerable<IJsonTypeInfoResolver> resolvers)
    {
        ArgumentNullException.ThrowIfNull(resolvers);
        // A copy: the app's options stay as they were, and the resolver chain below adds the built-in and registered metadata.
        _options = options is null
            ? new JsonSerializerOptions(JsonSerializerDefaults.Web) { NumberHandling = JsonNumberHandling.Strict }
            : new JsonSerializerOptions(options);
        _options.TypeInfoResolver = new DbosTypeInfoResolver([options?.TypeInfoResolver, .. resolvers]);
        _options.MakeReadOnly();
    }

    public string Name => FormatName;

    /// <summary>The options values are read and written with (also used to read other formats' decoded values).</summary>
    internal JsonSerializerOptions Options => _options;

    public string Serialize(object? value, Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        if (type == typeof(void))
        {
            return "null";
        }

        try
        {
            return JsonSerializer.Serialize(value, TypeInfo(type));
        }
        catch (Exception e) when (e is NotSupportedException or InvalidOperationException or JsonException or ArgumentException)
        {
            throw new DbosSerializationException($"A value of type {Describe(value?.GetType() ?? type)} cannot be serialized as portable JSON: {e.Message}", e);
        }
    }

    public object? Deserialize(string text, Type type)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(type);
        if (type == typeof(void))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(text, TypeInfo(type));
        }
        catch (Exception e) when (e is NotSupportedException or JsonException or InvalidOperationException or ArgumentException)
        {
            throw new DbosSerializationException($"The stored {FormatName} value is {StoredFormats.Kind(text)} and cannot be read as {Describe(type)}: {e.Message}", e);
        }
    }

    public string SerializeArguments(IReadOnlyList<object?> arguments, IReadOnlyList<Type> types)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(types);
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WritePropertyName("positionalArgs");
            writer.WriteStartArray();
            for (var i = 0; i < arguments.Count; i++)
            {
                var type = i < types.Count ? types[i] : arguments[i]?.GetType() ?? typeof(object);
                try
                {
                    JsonSerializer.Serialize(writer, arguments[i], TypeInfo(type));
                }
                catch (Exception e) when (e is NotSupportedException or InvalidOperationException or JsonException or ArgumentException)
                {
                    throw new DbosSerializationException(
                        $"Argument {i} of type {Describe(arguments[i]?.GetType() ?? type)} cannot be serialized as portable JSON: {e.Message}", e);
                }
            }

            writer.WriteEndArray();
            writer.WritePropertyName("namedArgs");
            writer.WriteStartObject();
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public object?[] DeserializeArguments(string text, IReadOnlyList<Type> types)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(types);
        try
        {
            using var document = JsonDocument.Parse(text);
            var root = document.RootElement;
            JsonElement positional;
            if (root.ValueKind == JsonValueKind.Array)
            {
                positional = root;
            }
            else if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("positionalArgs", out positional))
            {
                throw new DbosSerializationException("Stored workflow inputs are not portable JSON arguments ({\"positionalArgs\":[...],\"namedArgs\":{...}}).");
            }

            var values = new object?[types.Count];
            var index = 0;
            foreach (var element in positional.EnumerateArray())
            {
                if (index >= types.Count)
                {
                    throw new DbosSerializationException($"Stored workflow inputs have more arguments than the workflow's {types.Count} parameters.");
                }

                values[index] = element.Deserialize(TypeInfo(types[index]));
                index++;
            }

            if (index < types.Count)
            {
                throw new DbosSerializationException($"Stored workflow inputs have {index} arguments, but the workflow takes {types.Count}.");
            }

            return values;
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException)
        {
            throw new DbosSerializationException($"Stored workflow inputs cannot be read: {e.Message}", e);
        }
    }

    public string SerializeError(Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            WriteError(writer, error);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void WriteError(Utf8JsonWriter writer, Exception error)
    {
        writer.WriteStartObject();
        writer.WriteString("name", error is PortableWorkflowException portable ? portable.ErrorName : error.GetType().FullName);
        writer.WriteString("message", error.Message);
        if (error is DbosException dbos)
        {
            writer.WriteNumber("code", (int)dbos.ErrorCode);
        }
        else if (error is PortableWorkflowException { Code: not null } withCode)
        {
            writer.WritePropertyName("code");
            writer.WriteRawValue(withCode.Code);
        }
        else
        {
            writer.WriteNull("code");
        }

        writer.WritePropertyName("data");
        if (error is PortableWorkflowException { ErrorData: not null } withData)
        {
            writer.WriteRawValue(withData.ErrorData);
        }
        else
        {
            writer.WriteStartObject();
            writer.WriteString("dotnetType", error.GetType().AssemblyQualifiedName);
            switch (error)
            {
                case UnexpectedStepException unexpected:
                    writer.WriteString("workflowId", unexpected.WorkflowId);
                    writer.WriteNumber("stepId", unexpected.StepId);
                    writer.WriteString("expectedName", unexpected.ExpectedName);
                    writer.WriteString("recordedName", unexpected.RecordedName);
                    break;
                case ConflictingWorkflowException conflicting:
                    writer.WriteString("workflowId", conflicting.WorkflowId);
                    writer.WriteString("existingName", conflicting.ExistingName);
                    writer.WriteString("requestedName", conflicting.RequestedName);
                    break;
                case NonExistentWorkflowException missing:
                    writer.WriteString("workflowId", missing.WorkflowId);
                    break;
            }

            if (error is MaxStepRetriesExceededException retries)
            {
                writer.WriteString("stepName", retries.StepName);
                writer.WriteNumber("maxAttempts", retries.MaxAttempts);
                writer.WritePropertyName("errors");
                writer.WriteStartArray();
                foreach (var attempt in retries.Errors)
                {
                    WriteError(writer, attempt);
                }

                writer.WriteEndArray();
            }

            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    public Exception DeserializeError(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        try
        {
            using var document = JsonDocument.Parse(text);
            return ReadError(document.RootElement);
        }
        catch (JsonException)
        {
            return new PortableWorkflowException("Error", text, null, null);
        }
    }

    private static Exception ReadError(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return new PortableWorkflowException("Error", root.ToString(), null, null);
        }

        var name = root.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : "Error";
        var message = root.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString()! : string.Empty;
        string? code = root.TryGetProperty("code", out var c) && c.ValueKind != JsonValueKind.Null ? c.GetRawText() : null;
        JsonElement data = root.TryGetProperty("data", out var d) ? d : default;

        if (data.ValueKind == JsonValueKind.Object && data.TryGetProperty("dotnetType", out var typeElement) && typeElement.GetString() is { } typeName)
        {
            if (typeName.StartsWith(typeof(MaxStepRetriesExceededException).FullName + ",", StringComparison.Ordinal))
            {
                var errors = data.TryGetProperty("errors", out var list) && list.ValueKind == JsonValueKind.Array
                    ? list.EnumerateArray().Select(ReadError).ToArray()
                    : Array.Empty<Exception>();
                var stepName = data.TryGetProperty("stepName", out var s) ? s.GetString() ?? name : name;
                var attempts = data.TryGetProperty("maxAttempts", out var a) && a.TryGetInt32(out var count) ? count : errors.Length;
                return new MaxStepRetriesExceededException(stepName, attempts, errors);
            }

            if (RecreateDbosError(typeName, message, data) is { } dbosError)
            {
                return dbosError;
            }

            if (TryRecreate(typeName, message) is { } recreated)
            {
                return recreated;
            }
        }

        return new PortableWorkflowException(name, message, code, data.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null ? null : data.GetRawText());
    }

    private static Exception? RecreateDbosError(string typeName, string message, JsonElement data)
    {
        string Text(string name) => data.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : string.Empty;
        bool Is<T>() => typeName.StartsWith(typeof(T).FullName + ",", StringComparison.Ordinal);

        if (Is<UnexpectedStepException>())
        {
            var stepId = data.TryGetProperty("stepId", out var s) && s.TryGetInt32(out var id) ? id : -1;
            return new UnexpectedStepException(Text("workflowId"), stepId, Text("expectedName"), Text("recordedName"));
        }

        if (Is<ConflictingWorkflowException>())
        {
            return new ConflictingWorkflowException(Text("workflowId"), Text("existingName"), Text("requestedName"));
        }

        if (Is<NonExistentWorkflowException>())
        {
            return new NonExistentWorkflowException(Text("workflowId"));
        }

        if (Is<DbosSerializationException>())
        {
            return new DbosSerializationException(message);
        }

        if (Is<NotAuthorizedException>())
        {
            return new NotAuthorizedException(message);
        }

        return null;
    }

    // Replay must throw the type the first execution threw, or a workflow's catch blocks would take another path.
    [UnconditionalSuppressMessage("Trimming", "IL2057", Justification = "Error types are recreated on a best-effort basis; PortableWorkflowException is the fallback.")]
    private static Exception? TryRecreate(string assemblyQualifiedName, string message)
    {
        Type? type;
        try
        {
            type = Type.GetType(assemblyQualifiedName, throwOnError: false);
        }
        catch (Exception e) when (e is ArgumentException or System.IO.IOException or BadImageFormatException or TypeLoadException)
        {
            return null;
        }

        if (type is null || !typeof(Exception).IsAssignableFrom(type) || type.IsAbstract || typeof(DbosException).IsAssignableFrom(type))
        {
            return null;
        }

        var constructor = type.GetConstructor(BindingFlags.Public | BindingFlags.Instance, new[] { typeof(string) });
        if (constructor is null)
        {
            return null;
        }

        try
        {
            return (Exception)constructor.Invoke(new object?[] { message });
        }
        catch (TargetInvocationException)
        {
            return null;
        }
    }

    /// <summary>The metadata values of <paramref name="type"/> are read and written with; without reflection, an error that
    /// says how to provide it.</summary>
    internal JsonTypeInfo TypeInfo(Type type) => TypeInfo(_options, type);

    internal static JsonTypeInfo TypeInfo(JsonSerializerOptions options, Type type)
    {
        try
        {
            return options.GetTypeInfo(type);
        }
        catch (NotSupportedException e) when (!DbosTypeInfoResolver.ReflectionEnabled && options.TypeInfoResolver?.GetTypeInfo(type, options) is null)
        {
            throw new NotSupportedException(DbosTypeInfoResolver.Missing(type), e);
        }
    }

    private static string Describe(Type type) => type.FullName ?? type.Name;
}
