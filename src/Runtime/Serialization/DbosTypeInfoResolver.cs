using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Dbos.Serialization;

/// <summary>
/// Where the portable JSON serializer finds a type's metadata, in order: the resolver of the options the app passed, the
/// resolvers in <see cref="DbosOptions.JsonTypeInfoResolvers"/>, the <see cref="JsonSerializerContext"/>s of assemblies with
/// workflows (registered by their generated module initializers), the built-in <see cref="DbosJsonContext"/>, and reflection
/// when the app allows it (not under Native AOT). Registrations are read at each lookup: a module initializer may run after
/// the serializer was made.
/// </summary>
internal sealed class DbosTypeInfoResolver : IJsonTypeInfoResolver
{
    private static ImmutableArray<IJsonTypeInfoResolver> s_registered = ImmutableArray<IJsonTypeInfoResolver>.Empty;

    private readonly IJsonTypeInfoResolver[] _own;

    public DbosTypeInfoResolver(IEnumerable<IJsonTypeInfoResolver?> own)
    {
        _own = own.OfType<IJsonTypeInfoResolver>().ToArray();
    }

    /// <summary>Whether types without metadata fall back to reflection (false under Native AOT and with
    /// <c>JsonSerializerIsReflectionEnabledByDefault=false</c>).</summary>
    public static bool ReflectionEnabled => JsonSerializer.IsReflectionEnabledByDefault;

    /// <summary>Adds a resolver for every serializer of the process (a generated module initializer calls this).</summary>
    public static void Register(IJsonTypeInfoResolver resolver)
    {
        ArgumentNullException.ThrowIfNull(resolver);
        ImmutableInterlocked.Update(ref s_registered, static (list, added) => list.Contains(added) ? list : list.Add(added), resolver);
    }

    public JsonTypeInfo? GetTypeInfo(Type type, JsonSerializerOptions options)
    {
        foreach (var resolver in _own)
        {
            if (resolver.GetTypeInfo(type, options) is { } own)
            {
                return own;
            }
        }

        foreach (var resolver in s_registered)
        {
            if (resolver.GetTypeInfo(type, options) is { } registered)
            {
                return registered;
            }
        }

        if (((IJsonTypeInfoResolver)DbosJsonContext.Default).GetTypeInfo(type, options) is { } builtIn)
        {
            return builtIn;
        }

        return ReflectionEnabled ? Reflection.GetTypeInfo(type, options) : null;
    }

    /// <summary>The message for a type no resolver knows, saying how to give it metadata.</summary>
    public static string Missing(Type type)
    {
        var name = type.FullName ?? type.Name;
        return $"No JSON metadata for {name}: this app runs without reflection-based serialization (Native AOT or trimming). " +
            $"Add [JsonSerializable(typeof({name}))] to a JsonSerializerContext in the project that declares the workflow (DBOS registers " +
            "the contexts of assemblies with workflows), or add the context to DbosOptions.JsonTypeInfoResolvers. See docs/aot.md.";
    }

    private static IJsonTypeInfoResolver Reflection => ReflectionResolver.Instance;

    private static class ReflectionResolver
    {
        // Reached only when ReflectionEnabled is true: the feature switch that PublishAot sets to false removes this path.
        [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Used only when JsonSerializer.IsReflectionEnabledByDefault is true, which trimmed and AOT apps turn off.")]
        [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "Used only when JsonSerializer.IsReflectionEnabledByDefault is true, which trimmed and AOT apps turn off.")]
        private static IJsonTypeInfoResolver Create() => new DefaultJsonTypeInfoResolver();

        public static readonly IJsonTypeInfoResolver Instance = Create();
    }
}
