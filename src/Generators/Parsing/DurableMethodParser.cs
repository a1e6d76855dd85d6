using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;
using Dbos.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Dbos.Generators.Parsing;

/// <summary>Turns a method marked with a durable attribute into a <see cref="DurableMethodModel"/>.</summary>
internal static class DurableMethodParser
{
    public const string WorkflowAttribute = "Dbos.WorkflowAttribute";
    public const string StepAttribute = "Dbos.StepAttribute";
    public const string TransactionAttribute = "Dbos.TransactionAttribute";
    public const string RequiredRolesAttribute = "Dbos.RequiredRolesAttribute";
    public const string ScheduledAttribute = "Dbos.ScheduledAttribute";
    public const string WorkflowClassAttribute = "Dbos.WorkflowClassAttribute";

    /// <summary>How types appear in signatures: fully qualified, with nullable reference annotations.</summary>
    internal static readonly SymbolDisplayFormat SignatureFormat = SymbolDisplayFormat.FullyQualifiedFormat
        .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    private const string CancellationTokenType = "global::System.Threading.CancellationToken";

    /// <summary>How types appear inside <c>typeof</c>, which rejects nullable reference types.</summary>
    private static readonly SymbolDisplayFormat TypeOfFormat = SymbolDisplayFormat.FullyQualifiedFormat;

    public static DurableMethodModel? Parse(GeneratorAttributeSyntaxContext context, DurableKind kind, CancellationToken cancellationToken)
    {
        if (context.TargetSymbol is not IMethodSymbol method
            || context.TargetNode is not MethodDeclarationSyntax declaration
            || context.Attributes.IsDefaultOrEmpty)
        {
            return null;
        }

        cancellationToken.ThrowIfCancellationRequested();
        var compilation = context.SemanticModel.Compilation;
        var type = method.ContainingType;

        // Shapes the generated code cannot express; an analyzer reports them.
        if (!IsSupported(method, declaration))
        {
            return null;
        }

        // A method marked both [Workflow] and [Step] (or [Transaction]) is a workflow; the other registration drops it.
        if (kind != DurableKind.Workflow && method.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == WorkflowAttribute))
        {
            return null;
        }

        var classModel = ParseClass(type, declaration, compilation);
        var (shape, resultType) = GetShape(method.ReturnType, compilation);
        var attribute = context.Attributes[0];
        var parameters = method.Parameters
            .Select(p => new ParameterModel(
                Escape(p.Name),
                p.Name,
                p.Type.ToDisplayString(SignatureFormat),
                TypeOfName(p.Type, compilation),
                p.IsParams,
                p.HasExplicitDefaultValue ? FormatDefault(p) : null,
                p.HasExplicitDefaultValue,
                kind == DurableKind.Step && p.Type.ToDisplayString(TypeOfFormat) == CancellationTokenType))
            .ToEquatableArray();

        var signatureTypes = method.Parameters.Select(p => p.Type).Append(method.ReturnType).ToList();
        var name = GetNamedArgument<string>(attribute, "Name");

        return new DurableMethodModel(
            classModel,
            method.GetDocumentationCommentId() ?? method.ToDisplayString(),
            Escape(method.Name),
            method.Name,
            kind,
            method.IsStatic,
            method.IsExtensionMethod,
            method.ReturnType.ToDisplayString(SignatureFormat),
            shape,
            resultType?.ToDisplayString(SignatureFormat) ?? string.Empty,
            resultType is null ? "void" : TypeOfName(resultType, compilation),
            parameters,
            classModel.IsAccessible && signatureTypes.All(t => compilation.IsSymbolAccessibleWithin(t, compilation.Assembly)),
            classModel.IsEffectivelyPublic && signatureTypes.All(IsEffectivelyPublic),
            string.IsNullOrEmpty(name) ? method.Name : name!,
            GetNamedArgument(attribute, "MaxRecoveryAttempts", 100),
            kind is DurableKind.Workflow or DurableKind.Transaction ? SourceHash.Compute(declaration) : string.Empty,
            GetNamedArgument(attribute, "RetriesAllowed", false),
            GetNamedArgument(attribute, "IntervalSeconds", 1d),
            GetNamedArgument(attribute, "MaxAttempts", 3),
            GetNamedArgument(attribute, "BackoffRate", 2d),
            kind == DurableKind.Transaction ? GetNamedArgument(attribute, "IsolationLevel", 0) : 0,
            kind == DurableKind.Transaction && GetNamedArgument(attribute, "ReadOnly", false),
            GetRequiredRoles(method),
            kind == DurableKind.Workflow ? GetSchedule(method) : null);
    }

    /// <summary>The method's <c>[Scheduled(cron)]</c>, or null (also when the cron argument is not a constant string).</summary>
    private static ScheduleModel? GetSchedule(IMethodSymbol method)
    {
        var attribute = method.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == ScheduledAttribute);
        if (attribute is null || attribute.ConstructorArguments.Length != 1 || attribute.ConstructorArguments[0].Value is not string cron)
        {
            return null;
        }

        return new ScheduleModel(cron, GetNamedArgument<string>(attribute, "TimeZone"), GetNamedArgument<string>(attribute, "Queue"));
    }

    /// <summary>The method's <c>[RequiredRoles]</c> (even an empty one), else its class's, else none.</summary>
    private static EquatableArray<string> GetRequiredRoles(IMethodSymbol method)
    {
        var attribute = FindRequiredRoles(method.GetAttributes()) ?? FindRequiredRoles(method.ContainingType.GetAttributes());
        if (attribute is null || attribute.ConstructorArguments.Length == 0)
        {
            return EquatableArray<string>.Empty;
        }

        var argument = attribute.ConstructorArguments[0];
        var roles = argument.Kind == TypedConstantKind.Array
            ? argument.Values.Select(v => v.Value as string)
            : new[] { argument.Value as string };
        return roles.Where(r => r is not null).Select(r => r!).ToEquatableArray();
    }

    private static AttributeData? FindRequiredRoles(ImmutableArray<AttributeData> attributes)
        => attributes.FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == RequiredRolesAttribute);

    /// <summary>Whether the generator can make this method durable (and so emits a <c>__Dbos</c> class for its type).</summary>
    private static bool IsSupported(IMethodSymbol method, MethodDeclarationSyntax declaration)
        => method.ContainingType is { TypeKind: TypeKind.Class, IsFileLocal: false } type
            && !method.IsGenericMethod
            && !method.ReturnsByRef
            && !method.ReturnsByRefReadonly
            && method.ExplicitInterfaceImplementations.IsEmpty
            && IsSupportedType(method.ReturnType)
            && method.Parameters.All(p => p.RefKind == RefKind.None && IsSupportedType(p.Type))
            && AllPartialAndNonGeneric(declaration, type);

    private static ClassModel ParseClass(INamedTypeSymbol type, MethodDeclarationSyntax declaration, Compilation compilation)
    {
        var containing = new List<ContainingTypeModel>();
        for (var outer = declaration.Parent?.Parent as TypeDeclarationSyntax; outer is not null; outer = outer.Parent as TypeDeclarationSyntax)
        {
            containing.Insert(0, new ContainingTypeModel(KeywordOf(outer), outer.Identifier.Text));
        }

        var ns = type.ContainingNamespace is { IsGlobalNamespace: false } containingNamespace
            ? containingNamespace.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat).Substring("global::".Length)
            : string.Empty;
        var fullName = type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);

        return new ClassModel(
            ns,
            containing.ToEquatableArray(),
            KeywordOf((TypeDeclarationSyntax)declaration.Parent!),
            Escape(type.Name),
            type.Name,
            StoredClassName(type),
            fullName,
            type.IsStatic,
            type.IsAbstract,
            compilation.IsSymbolAccessibleWithin(type, compilation.Assembly),
            IsEffectivelyPublic(type),
            HasCallableParameterlessConstructor(type) ? "static () => new " + fullName + "()" : null,
            BaseGetsDbosClass(type, compilation));
    }

    /// <summary>The class name stored with the class's workflows: <c>[WorkflowClass(Name)]</c> when set, else the simple name.</summary>
    internal static string StoredClassName(INamedTypeSymbol type)
    {
        var attribute = type.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == WorkflowClassAttribute);
        var name = attribute is null ? null : GetNamedArgument<string>(attribute, "Name");
        return string.IsNullOrWhiteSpace(name) ? type.Name : name!;
    }

    private static string KeywordOf(TypeDeclarationSyntax declaration) => declaration switch
    {
        RecordDeclarationSyntax record when record.ClassOrStructKeyword.IsKind(SyntaxKind.StructKeyword) => "record struct",
        RecordDeclarationSyntax => "record",
        StructDeclarationSyntax => "struct",
        InterfaceDeclarationSyntax => "interface",
        _ => "class",
    };

    /// <summary>The generated part must be able to reopen the class and every type around it.</summary>
    private static bool AllPartialAndNonGeneric(MethodDeclarationSyntax declaration, INamedTypeSymbol type)
    {
        for (var current = type; current is not null; current = current.ContainingType)
        {
            if (current.IsGenericType)
            {
                return false;
            }
        }

        if (declaration.Parent is not TypeDeclarationSyntax)
        {
            return false;
        }

        for (var node = declaration.Parent; node is not null and not BaseNamespaceDeclarationSyntax and not CompilationUnitSyntax; node = node.Parent)
        {
            if (node is not TypeDeclarationSyntax typeDeclaration || !typeDeclaration.Modifiers.Any(SyntaxKind.PartialKeyword))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsSupportedType(ITypeSymbol type) => type switch
    {
        IPointerTypeSymbol or IFunctionPointerTypeSymbol => false,
        { IsRefLikeType: true } => false,
        IArrayTypeSymbol array => IsSupportedType(array.ElementType),
        ITypeParameterSymbol => false,
        INamedTypeSymbol named => named.TypeArguments.All(IsSupportedType),
        _ => true,
    };

    private static (ReturnShape Shape, ITypeSymbol? Result) GetShape(ITypeSymbol returnType, Compilation compilation)
    {
        if (returnType.SpecialType == SpecialType.System_Void)
        {
            return (ReturnShape.Void, null);
        }

        if (returnType is INamedTypeSymbol named)
        {
            var definition = named.OriginalDefinition;
            if (SymbolEqualityComparer.Default.Equals(definition, compilation.GetTypeByMetadataName("System.Threading.Tasks.Task")))
            {
                return (ReturnShape.Task, null);
            }

            if (SymbolEqualityComparer.Default.Equals(definition, compilation.GetTypeByMetadataName("System.Threading.Tasks.ValueTask")))
            {
                return (ReturnShape.ValueTask, null);
            }

            if (SymbolEqualityComparer.Default.Equals(definition, compilation.GetTypeByMetadataName("System.Threading.Tasks.Task`1")))
            {
                return (ReturnShape.TaskOfT, named.TypeArguments[0]);
            }

            if (SymbolEqualityComparer.Default.Equals(definition, compilation.GetTypeByMetadataName("System.Threading.Tasks.ValueTask`1")))
            {
                return (ReturnShape.ValueTaskOfT, named.TypeArguments[0]);
            }
        }

        return (ReturnShape.Value, returnType);
    }

    /// <summary><c>typeof</c> accepts neither <c>dynamic</c> nor tuple element names; both erase to their runtime type.</summary>
    private static string TypeOfName(ITypeSymbol type, Compilation compilation)
        => Erase(type, compilation).ToDisplayString(TypeOfFormat);

    private static ITypeSymbol Erase(ITypeSymbol type, Compilation compilation)
    {
        switch (type)
        {
            case IDynamicTypeSymbol:
                return compilation.GetSpecialType(SpecialType.System_Object);
            case IArrayTypeSymbol array:
                return compilation.CreateArrayTypeSymbol(Erase(array.ElementType, compilation), array.Rank);
            case INamedTypeSymbol { IsGenericType: true } named:
                var definition = named.IsTupleType && named.TupleUnderlyingType is { } underlying ? underlying.ConstructedFrom : named.ConstructedFrom;
                var erasedArguments = named.TypeArguments.Select(a => Erase(a, compilation)).ToArray();
                return erasedArguments.Length == definition.TypeParameters.Length
                    ? definition.Construct(erasedArguments)
                    : named;
            default:
                return type;
        }
    }

    private static bool IsEffectivelyPublic(ITypeSymbol type)
    {
        switch (type)
        {
            case IArrayTypeSymbol array:
                return IsEffectivelyPublic(array.ElementType);
            case INamedTypeSymbol named:
                for (var current = named; current is not null; current = current.ContainingType)
                {
                    if (current.DeclaredAccessibility != Accessibility.Public)
                    {
                        return false;
                    }
                }

                return named.TypeArguments.All(IsEffectivelyPublic);
            default:
                return true;
        }
    }

    private static bool HasCallableParameterlessConstructor(INamedTypeSymbol type)
    {
        if (type.IsStatic || type.IsAbstract)
        {
            return false;
        }

        var constructor = type.InstanceConstructors.FirstOrDefault(c => c.Parameters.IsEmpty);
        if (constructor is null
            || constructor.DeclaredAccessibility is not (Accessibility.Public or Accessibility.Internal or Accessibility.ProtectedOrInternal))
        {
            return false;
        }

        // new C() does not compile when C has required members the constructor does not set.
        var setsRequired = constructor.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == "System.Diagnostics.CodeAnalysis.SetsRequiredMembersAttribute");
        if (!setsRequired)
        {
            for (var current = (INamedTypeSymbol?)type; current is not null; current = current.BaseType)
            {
                if (current.GetMembers().Any(m => m is IPropertySymbol { IsRequired: true } or IFieldSymbol { IsRequired: true }))
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>Whether a base class has (or will get) a nested <c>__Dbos</c> that this class's would hide.</summary>
    private static bool BaseGetsDbosClass(INamedTypeSymbol type, Compilation compilation)
    {
        for (var current = type.BaseType; current is not null; current = current.BaseType)
        {
            if (current.GetTypeMembers("__Dbos").Any(t => compilation.IsSymbolAccessibleWithin(t, type)))
            {
                return true;
            }

            if (SymbolEqualityComparer.Default.Equals(current.ContainingAssembly, compilation.Assembly)
                && current.GetMembers().OfType<IMethodSymbol>().Any(IsSupportedDurableMethod))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsSupportedDurableMethod(IMethodSymbol method)
        => method.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() is WorkflowAttribute or StepAttribute or TransactionAttribute)
            && method.DeclaringSyntaxReferences.Any(r => r.GetSyntax() is MethodDeclarationSyntax declaration && IsSupported(method, declaration));

    private static T GetNamedArgument<T>(AttributeData attribute, string name, T fallback)
    {
        foreach (var argument in attribute.NamedArguments)
        {
            if (argument.Key == name && argument.Value.Value is T value)
            {
                return value;
            }
        }

        return fallback;
    }

    private static T? GetNamedArgument<T>(AttributeData attribute, string name)
        where T : class
        => GetNamedArgument<T?>(attribute, name, null);

    /// <summary>A parameter's default value as C# source, or <c>null</c> if it cannot be written as a literal.</summary>
    private static string? FormatDefault(IParameterSymbol parameter)
    {
        var value = parameter.ExplicitDefaultValue;
        var type = parameter.Type;
        if (value is null)
        {
            return type.IsValueType && type.OriginalDefinition.SpecialType != SpecialType.System_Nullable_T ? "default" : "null";
        }

        if (type.TypeKind == TypeKind.Enum)
        {
            return FormatPrimitive(value) is { } underlying ? "(" + type.ToDisplayString(SignatureFormat) + ")(" + underlying + ")" : null;
        }

        return FormatPrimitive(value);
    }

    private static string? FormatPrimitive(object value) => value switch
    {
        double d when double.IsNaN(d) => "double.NaN",
        double d when double.IsPositiveInfinity(d) => "double.PositiveInfinity",
        double d when double.IsNegativeInfinity(d) => "double.NegativeInfinity",
        float f when float.IsNaN(f) => "float.NaN",
        float f when float.IsPositiveInfinity(f) => "float.PositiveInfinity",
        float f when float.IsNegativeInfinity(f) => "float.NegativeInfinity",
        double d => d.ToString("R", CultureInfo.InvariantCulture) + "d",
        float f => f.ToString("R", CultureInfo.InvariantCulture) + "f",
        decimal m => m.ToString(CultureInfo.InvariantCulture) + "m",
        long l => l.ToString(CultureInfo.InvariantCulture) + "L",
        ulong ul => ul.ToString(CultureInfo.InvariantCulture) + "UL",
        uint ui => ui.ToString(CultureInfo.InvariantCulture) + "U",
        int or short or ushort or byte or sbyte => SymbolDisplay.FormatPrimitive(value, quoteStrings: false, useHexadecimalNumbers: false),
        bool or string or char => SymbolDisplay.FormatPrimitive(value, quoteStrings: true, useHexadecimalNumbers: false),
        _ => null,
    };

    internal static string Escape(string identifier)
        => SyntaxFacts.GetKeywordKind(identifier) != SyntaxKind.None ? "@" + identifier : identifier;
}

/// <summary>A stable hash of a method's source (its tokens, so whitespace and comments do not count).</summary>
internal static class SourceHash
{
    public static string Compute(SyntaxNode node)
    {
        var text = new StringBuilder();
        foreach (var token in node.DescendantTokens())
        {
            if (text.Length > 0)
            {
                text.Append(' ');
            }

            text.Append(token.Text);
        }

        return Fnv1a64(text.ToString()).ToString("x16", CultureInfo.InvariantCulture);
    }

    internal static ulong Fnv1a64(string text)
    {
        const ulong offsetBasis = 14695981039346656037;
        const ulong prime = 1099511628211;
        var hash = offsetBasis;
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            hash ^= b;
            hash = unchecked(hash * prime);
        }

        return hash;
    }
}
