using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Dbos.Analyzers;

/// <summary>
/// DBOS021: in a build without reflection-based JSON (Native AOT, trimming), a value DBOS stores whose type has no
/// source-generated metadata: a workflow's or transaction's argument, a durable method's result, or the value of
/// <c>DBOS.SetEvent</c>/<c>Send</c>/<c>Recv</c>/<c>GetEvent</c>. Covered are the runtime's built-in types (DbosJsonContext)
/// and the types of the compilation's JsonSerializerContexts, with the types their members reach.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class JsonMetadataAnalyzer : DiagnosticAnalyzer
{
    private const string JsonSerializerContextName = "System.Text.Json.Serialization.JsonSerializerContext";
    private const string JsonSerializableAttributeName = "System.Text.Json.Serialization.JsonSerializableAttribute";

    /// <summary>The DBOS methods whose type argument is a stored value.</summary>
    private static readonly ImmutableHashSet<string> MessagingMethods = ImmutableHashSet.Create(
        StringComparer.Ordinal, "SetEvent", "SetEventAsync", "Send", "SendAsync", "Recv", "RecvAsync", "GetEvent", "GetEventAsync");

    // Kept in step with src/Runtime/Serialization/DbosJsonContext.cs.
    private static readonly ImmutableHashSet<string> BuiltInTypes = ImmutableHashSet.Create(
        StringComparer.Ordinal,
        "object", "bool", "byte", "sbyte", "short", "ushort", "int", "uint", "long", "ulong", "float", "double", "decimal", "char", "string",
        "System.Guid", "System.DateTime", "System.DateTimeOffset", "System.DateOnly", "System.TimeOnly", "System.TimeSpan", "System.Uri",
        "bool?", "int?", "long?", "double?", "decimal?", "System.Guid?", "System.DateTime?", "System.DateTimeOffset?", "System.TimeSpan?",
        "byte[]", "System.Text.Json.JsonElement", "System.Text.Json.Nodes.JsonNode", "System.Text.Json.Nodes.JsonObject",
        "System.Text.Json.Nodes.JsonArray", "System.Text.Json.Nodes.JsonValue",
        "object[]", "string[]", "int[]", "long[]", "double[]", "bool[]", "System.Guid[]",
        "System.Collections.Generic.List<object>", "System.Collections.Generic.List<string>", "System.Collections.Generic.List<int>",
        "System.Collections.Generic.List<long>", "System.Collections.Generic.List<double>", "System.Collections.Generic.List<System.Guid>",
        "System.Collections.Generic.Dictionary<string, object>", "System.Collections.Generic.Dictionary<string, string>",
        "System.Collections.Generic.Dictionary<string, int>", "System.Collections.Generic.Dictionary<string, long>",
        "System.Collections.Generic.Dictionary<string, double>", "System.Collections.Generic.Dictionary<string, bool>");

    private static readonly SymbolDisplayFormat TypeFormat = SymbolDisplayFormat.CSharpErrorMessageFormat
        .WithMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.UseSpecialTypes | SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier)
        .RemoveMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rules.NoJsonMetadata);

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            if (!WithoutReflection(start.Options.AnalyzerConfigOptionsProvider.GlobalOptions)
                || DurableSymbols.Create(start.Compilation) is not { } symbols)
            {
                return;
            }

            var covered = new Lazy<HashSet<string>>(() => CoveredTypes(start.Compilation), isThreadSafe: true);
            start.RegisterSymbolAction(c => CheckMethod(c, symbols, covered), SymbolKind.Method);
            if (symbols.Dbos is { } dbos)
            {
                start.RegisterOperationAction(c => CheckMessaging(c, dbos, covered), OperationKind.Invocation);
            }
        });
    }

    /// <summary>Whether the project builds without reflection-based JSON (the properties Dbos.targets makes visible).</summary>
    private static bool WithoutReflection(AnalyzerConfigOptions options)
    {
        bool Is(string property, string value)
            => options.TryGetValue("build_property." + property, out var text) && string.Equals(text?.Trim(), value, StringComparison.OrdinalIgnoreCase);

        return Is("PublishAot", "true") || Is("PublishTrimmed", "true") || Is("IsAotCompatible", "true") || Is("IsTrimmable", "true")
            || Is("JsonSerializerIsReflectionEnabledByDefault", "false");
    }

    private static void CheckMethod(SymbolAnalysisContext context, DurableSymbols symbols, Lazy<HashSet<string>> covered)
    {
        var method = (IMethodSymbol)context.Symbol;
        var kind = symbols.KindOf(method);
        if (kind == DurableKind.None)
        {
            return;
        }

        // Arguments are stored for workflows and for a transaction's temporary workflow; a step's are not.
        if (kind is DurableKind.Workflow or DurableKind.Transaction)
        {
            foreach (var parameter in method.Parameters)
            {
                if (parameter.Type.ToDisplayString() != "System.Threading.CancellationToken")
                {
                    var syntax = parameter.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(context.CancellationToken) as ParameterSyntax;
                    Check(context.ReportDiagnostic, parameter.Type, $"Parameter '{parameter.Name}' of '{method.Name}'", syntax?.Type?.GetLocation() ?? parameter.Locations.FirstOrDefault(), covered);
                }
            }
        }

        if (Result(method.ReturnType, symbols) is { } result)
        {
            var syntax = method.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(context.CancellationToken);
            var location = syntax is MethodDeclarationSyntax declaration ? ResultSyntax(declaration.ReturnType, unwrapped: !SymbolEqualityComparer.Default.Equals(result, method.ReturnType)).GetLocation() : method.Locations.FirstOrDefault();
            Check(context.ReportDiagnostic, result, $"The result of '{method.Name}'", location, covered);
        }
    }

    private static void CheckMessaging(OperationAnalysisContext context, INamedTypeSymbol dbos, Lazy<HashSet<string>> covered)
    {
        var invocation = (IInvocationOperation)context.Operation;
        var method = invocation.TargetMethod;
        if (method.TypeArguments.Length != 1 || !SymbolEqualityComparer.Default.Equals(method.ContainingType, dbos) || !MessagingMethods.Contains(method.Name))
        {
            return;
        }

        Check(context.ReportDiagnostic, method.TypeArguments[0], $"The value of DBOS.{method.Name}", invocation.Syntax.GetLocation(), covered);
    }

    private static void Check(Action<Diagnostic> report, ITypeSymbol type, string what, Location? location, Lazy<HashSet<string>> covered)
    {
        if (IsUnknowable(type) || IsCovered(type, covered.Value))
        {
            return;
        }

        report(Diagnostic.Create(Rules.NoJsonMetadata, location, what, Name(type)));
    }

    /// <summary>The stored result type of a durable method's return type, or null for none (void, Task, ValueTask).</summary>
    private static ITypeSymbol? Result(ITypeSymbol returnType, DurableSymbols symbols)
    {
        if (returnType.SpecialType == SpecialType.System_Void
            || SymbolEqualityComparer.Default.Equals(returnType, symbols.Task) || SymbolEqualityComparer.Default.Equals(returnType, symbols.ValueTask))
        {
            return null;
        }

        if (returnType is INamedTypeSymbol { IsGenericType: true } generic
            && (SymbolEqualityComparer.Default.Equals(generic.OriginalDefinition, symbols.TaskOfT) || SymbolEqualityComparer.Default.Equals(generic.OriginalDefinition, symbols.ValueTaskOfT)))
        {
            return generic.TypeArguments[0];
        }

        return returnType;
    }

    /// <summary>The <c>T</c> of <c>Task&lt;T&gt;</c> when the result was unwrapped from it, else the whole return type.</summary>
    private static TypeSyntax ResultSyntax(TypeSyntax returnType, bool unwrapped)
    {
        var generic = returnType switch
        {
            GenericNameSyntax name => name,
            QualifiedNameSyntax { Right: GenericNameSyntax name } => name,
            AliasQualifiedNameSyntax { Name: GenericNameSyntax name } => name,
            _ => null,
        };
        return unwrapped && generic is { TypeArgumentList.Arguments.Count: 1 } ? generic.TypeArgumentList.Arguments[0] : returnType;
    }

    // Type parameters and errors are decided where the type is known.
    private static bool IsUnknowable(ITypeSymbol type)
        => type.TypeKind is TypeKind.TypeParameter or TypeKind.Error or TypeKind.Dynamic
            || (type is INamedTypeSymbol named && named.TypeArguments.Any(IsUnknowable))
            || (type is IArrayTypeSymbol array && IsUnknowable(array.ElementType));

    private static bool IsCovered(ITypeSymbol type, HashSet<string> covered)
    {
        var name = Name(type);
        return BuiltInTypes.Contains(name) || covered.Contains(name);
    }

    private static string Name(ITypeSymbol type) => type.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(TypeFormat);

    /// <summary>The types of the compilation's JsonSerializerContexts and every type their public properties, elements and
    /// type arguments reach, as the System.Text.Json generator emits metadata for them.</summary>
    private static HashSet<string> CoveredTypes(Compilation compilation)
    {
        var covered = new HashSet<string>(StringComparer.Ordinal);
        var context = compilation.GetTypeByMetadataName(JsonSerializerContextName);
        var attribute = compilation.GetTypeByMetadataName(JsonSerializableAttributeName);
        if (context is null || attribute is null)
        {
            return covered;
        }

        var pending = new Stack<ITypeSymbol>();
        foreach (var type in AllTypes(compilation.Assembly.GlobalNamespace))
        {
            if (!DerivesFrom(type, context))
            {
                continue;
            }

            foreach (var data in type.GetAttributes())
            {
                if (SymbolEqualityComparer.Default.Equals(data.AttributeClass, attribute)
                    && data.ConstructorArguments.Length > 0 && data.ConstructorArguments[0].Value is ITypeSymbol serializable)
                {
                    pending.Push(serializable);
                }
            }
        }

        while (pending.Count > 0)
        {
            var type = pending.Pop();
            if (!covered.Add(Name(type)))
            {
                continue;
            }

            switch (type)
            {
                case IArrayTypeSymbol array:
                    pending.Push(array.ElementType);
                    break;
                case INamedTypeSymbol named:
                    foreach (var argument in named.TypeArguments)
                    {
                        pending.Push(argument);
                    }

                    if (named.SpecialType == SpecialType.None && named.ContainingNamespace?.ToDisplayString().StartsWith("System", StringComparison.Ordinal) != true)
                    {
                        foreach (var property in named.GetMembers().OfType<IPropertySymbol>())
                        {
                            if (!property.IsStatic && !property.IsIndexer && property.DeclaredAccessibility == Accessibility.Public)
                            {
                                pending.Push(property.Type);
                            }
                        }
                    }

                    break;
            }
        }

        return covered;
    }

    private static bool DerivesFrom(INamedTypeSymbol type, INamedTypeSymbol baseType)
    {
        for (var current = type.BaseType; current is not null; current = current.BaseType)
        {
            if (SymbolEqualityComparer.Default.Equals(current, baseType))
            {
                return true;
            }
        }

        return false;
    }

    private static IEnumerable<INamedTypeSymbol> AllTypes(INamespaceSymbol root)
    {
        foreach (var member in root.GetMembers())
        {
            if (member is INamespaceSymbol ns)
            {
                foreach (var type in AllTypes(ns))
                {
                    yield return type;
                }
            }
            else if (member is INamedTypeSymbol type)
            {
                yield return type;
                foreach (var nested in Nested(type))
                {
                    yield return nested;
                }
            }
        }
    }

    private static IEnumerable<INamedTypeSymbol> Nested(INamedTypeSymbol type)
    {
        foreach (var nested in type.GetTypeMembers())
        {
            yield return nested;
            foreach (var deeper in Nested(nested))
            {
                yield return deeper;
            }
        }
    }
}
