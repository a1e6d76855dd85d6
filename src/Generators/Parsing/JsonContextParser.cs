using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Dbos.Generators.Model;
using Microsoft.CodeAnalysis;

namespace Dbos.Generators.Parsing;

/// <summary>Finds the app's <c>JsonSerializerContext</c>s, whose metadata the runtime's serializer needs under Native AOT.</summary>
internal static class JsonContextParser
{
    public const string JsonSerializableAttribute = "System.Text.Json.Serialization.JsonSerializableAttribute";

    private const string JsonSerializerContext = "System.Text.Json.Serialization.JsonSerializerContext";

    /// <summary>The context's fully qualified name, or <c>null</c> when it is no context, or one the generated registration cannot reach.</summary>
    public static string? Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (context.TargetSymbol is not INamedTypeSymbol type || type.IsAbstract || type.IsGenericType || type.IsFileLocal)
        {
            return null;
        }

        var isContext = false;
        for (var current = type.BaseType; current is not null; current = current.BaseType)
        {
            if (current.ToDisplayString() == JsonSerializerContext)
            {
                isContext = true;
                break;
            }
        }

        return isContext && context.SemanticModel.Compilation.IsSymbolAccessibleWithin(type, context.SemanticModel.Compilation.Assembly)
            && IsReachable(type)
            ? type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat)
            : null;
    }

    /// <summary>The distinct contexts in a stable order (a context with several <c>[JsonSerializable]</c> appears once per attribute).</summary>
    public static EquatableArray<string> Distinct(ImmutableArray<string?> contexts)
        => new(contexts.OfType<string>().Distinct().OrderBy(name => name, System.StringComparer.Ordinal));

    // The registration lives in another class: private and protected nested contexts are out of its reach.
    private static bool IsReachable(INamedTypeSymbol type)
    {
        for (ISymbol? current = type; current is INamedTypeSymbol named; current = named.ContainingType)
        {
            if (named.DeclaredAccessibility is Accessibility.Private or Accessibility.Protected or Accessibility.ProtectedAndInternal)
            {
                return false;
            }
        }

        return true;
    }
}
