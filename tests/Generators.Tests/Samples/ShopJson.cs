using System;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Shop;

public sealed record Receipt(int OrderId, decimal Total);

// An app's JSON context; the generator registers it with the runtime (the System.Text.Json generator, not run here, would fill it).
[JsonSerializable(typeof(Receipt))]
[JsonSerializable(typeof(Receipt[]))]
internal sealed partial class ShopJsonContext : JsonSerializerContext, IJsonTypeInfoResolver
{
    public ShopJsonContext() : base(null) { }

    public static ShopJsonContext Default { get; } = new();

    protected override JsonSerializerOptions? GeneratedSerializerOptions => null;

    public override JsonTypeInfo? GetTypeInfo(Type type) => null;

    // As generated contexts do: metadata for the options that ask (the runtime's), here none.
    JsonTypeInfo? IJsonTypeInfoResolver.GetTypeInfo(Type type, JsonSerializerOptions options) => null;

    // Out of the registration's reach: not registered.
    [JsonSerializable(typeof(int))]
    private sealed class Hidden : JsonSerializerContext
    {
        public Hidden() : base(null) { }

        protected override JsonSerializerOptions? GeneratedSerializerOptions => null;

        public override JsonTypeInfo? GetTypeInfo(Type type) => null;
    }
}
