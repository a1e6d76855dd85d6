using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Dbos.Analyzers;

/// <summary>
/// DBOS011: durable methods the generator cannot make durable (generic, by-reference, pointers, not in a class).
/// DBOS014: <c>async void</c> durable methods, which return before they finish.
/// DBOS012: types that portable JSON cannot store: a workflow's parameters and result, a step's or transaction's
/// result (step arguments are not stored). CancellationToken is not storable: a workflow that is recovered runs in
/// another process, where the caller's token means nothing.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class SignatureAnalyzer : DiagnosticAnalyzer
{
    private const int MaxTypeDepth = 8;

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rules.MethodCannotBeDurable, Rules.TypeNotStorable, Rules.AsyncVoidDurableMethod);

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            if (DurableSymbols.Create(start.Compilation) is not { } symbols)
            {
                return;
            }

            start.RegisterSymbolAction(c => Analyze(c, symbols), SymbolKind.Method);
        });
    }

    private static void Analyze(SymbolAnalysisContext context, DurableSymbols symbols)
    {
        var method = (IMethodSymbol)context.Symbol;
        var kind = symbols.KindOf(method);
        if (kind == DurableKind.None)
        {
            return;
        }

        var declaration = method.DeclaringSyntaxReferences
            .Select(r => r.GetSyntax(context.CancellationToken))
            .OfType<MethodDeclarationSyntax>()
            .FirstOrDefault(d => !DurableSymbols.IsGeneratedFile(d.SyntaxTree));
        if (declaration is null)
        {
            return;
        }

        if (method.IsAsync && method.ReturnsVoid)
        {
            context.ReportDiagnostic(Diagnostic.Create(
                Rules.AsyncVoidDurableMethod,
                declaration.ReturnType.GetLocation(),
                kind.ToString(),
                method.Name,
                kind.ToString().ToLowerInvariant()));
        }

        if (!ReportShape(context, method, kind, declaration))
        {
            ReportStorage(context, symbols, method, kind, declaration);
        }
    }

    /// <summary>Reports DBOS011 for each shape the generator skips; returns whether it reported any.</summary>
    private static bool ReportShape(SymbolAnalysisContext context, IMethodSymbol method, DurableKind kind, MethodDeclarationSyntax declaration)
    {
        var reported = false;
        void Report(Location location, string reason)
        {
            reported = true;
            context.ReportDiagnostic(Diagnostic.Create(Rules.MethodCannotBeDurable, location, kind.ToString(), method.Name, reason));
        }

        var name = declaration.Identifier.GetLocation();
        var type = method.ContainingType;
        if (type.TypeKind != TypeKind.Class)
        {
            Report(name, "it is declared in " + (type.TypeKind == TypeKind.Interface ? "an interface" : "a " + type.TypeKind.ToString().ToLowerInvariant()) + "; declare it in a class");
        }
        else if (type.IsFileLocal)
        {
            Report(name, "class '" + type.Name + "' is file-local; declare it in a class the generated code can reach");
        }

        for (var current = type; current is not null; current = current.ContainingType)
        {
            if (current.IsGenericType)
            {
                Report(name, "class '" + current.Name + "' is generic; declare it in a non-generic class");
                break;
            }
        }

        if (method.IsGenericMethod)
        {
            Report(declaration.TypeParameterList?.GetLocation() ?? name, "it is generic; write one method per type, so each has a stable name and stored types");
        }

        if (method.ReturnsByRef || method.ReturnsByRefReadonly)
        {
            Report(declaration.ReturnType.GetLocation(), "it returns by reference; return the value");
        }
        else if (StackOnly(method.ReturnType) is { } returnReason)
        {
            Report(declaration.ReturnType.GetLocation(), "its return type " + returnReason);
        }

        if (!method.ExplicitInterfaceImplementations.IsEmpty)
        {
            Report(name, "it is an explicit interface implementation; make it a public method of the class");
        }

        foreach (var parameter in method.Parameters)
        {
            var location = parameter.Locations.FirstOrDefault() ?? name;
            if (parameter.RefKind != RefKind.None)
            {
                Report(location, "parameter '" + parameter.Name + "' is passed by reference ('" + RefKeyword(parameter.RefKind) + "'); pass it by value and return results");
            }
            else if (StackOnly(parameter.Type) is { } parameterReason)
            {
                Report(location, "parameter '" + parameter.Name + "' " + parameterReason);
            }
        }

        return reported;
    }

    private static string RefKeyword(RefKind kind) => kind switch
    {
        RefKind.Out => "out",
        RefKind.In => "in",
        RefKind.Ref => "ref",
        _ => "ref readonly",
    };

    /// <summary>Why a type cannot leave the stack (pointers, ref structs), or null.</summary>
    private static string? StackOnly(ITypeSymbol type) => type switch
    {
        IPointerTypeSymbol or IFunctionPointerTypeSymbol => "is a pointer; pass data instead",
        { IsRefLikeType: true } => "is a ref struct ('" + type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat) + "'), which cannot be kept across awaits; use an array or a string",
        _ => null,
    };

    private static void ReportStorage(SymbolAnalysisContext context, DurableSymbols symbols, IMethodSymbol method, DurableKind kind, MethodDeclarationSyntax declaration)
    {
        if (kind == DurableKind.Workflow)
        {
            foreach (var parameter in method.Parameters)
            {
                if (NotStorable(parameter.Type, symbols, 0) is { } problem)
                {
                    context.ReportDiagnostic(Diagnostic.Create(
                        Rules.TypeNotStorable,
                        parameter.Locations.FirstOrDefault() ?? declaration.Identifier.GetLocation(),
                        "Parameter '" + parameter.Name + "'",
                        kind.ToString(),
                        method.Name,
                        problem.Type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat),
                        problem.Reason));
                }
            }
        }

        ITypeSymbol? result = method.ReturnType switch
        {
            { SpecialType: SpecialType.System_Void } => null,
            INamedTypeSymbol task when symbols.IsTaskLike(task) => task.TypeArguments.Length == 1 ? task.TypeArguments[0] : null,
            var other => other,
        };

        if (result is not null && NotStorable(result, symbols, 0) is { } resultProblem)
        {
            context.ReportDiagnostic(Diagnostic.Create(
                Rules.TypeNotStorable,
                declaration.ReturnType.GetLocation(),
                "The result",
                kind.ToString(),
                method.Name,
                resultProblem.Type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat),
                resultProblem.Reason));
        }
    }

    /// <summary>The first part of a type that portable JSON cannot store, with why, or null.</summary>
    private static (ITypeSymbol Type, string Reason)? NotStorable(ITypeSymbol type, DurableSymbols symbols, int depth)
    {
        if (depth > MaxTypeDepth)
        {
            return null;
        }

        if (Reason(type, symbols) is { } reason)
        {
            return (type, reason);
        }

        IEnumerable<ITypeSymbol> parts = type switch
        {
            IArrayTypeSymbol array => new[] { array.ElementType },
            INamedTypeSymbol named => named.TypeArguments,
            _ => Enumerable.Empty<ITypeSymbol>(),
        };

        foreach (var part in parts)
        {
            if (NotStorable(part, symbols, depth + 1) is { } problem)
            {
                return problem;
            }
        }

        return null;
    }

    private static string? Reason(ITypeSymbol type, DurableSymbols symbols)
    {
        if (type.TypeKind == TypeKind.Delegate)
        {
            return "a delegate is code, not data";
        }

        if (type is IPointerTypeSymbol or IFunctionPointerTypeSymbol || type.SpecialType is SpecialType.System_IntPtr or SpecialType.System_UIntPtr)
        {
            return "a native pointer only means something in the process that made it";
        }

        if (symbols.IsTaskLike(type))
        {
            return "a task is a running operation, not a value; await it and store its result";
        }

        for (var current = type as INamedTypeSymbol; current is not null; current = current.BaseType)
        {
            if (current.Name is not ("Type" or "MemberInfo" or "Assembly" or "Module" or "Stream" or "CancellationToken" or "WaitHandle" or "Thread"))
            {
                continue;
            }

            switch (FullName(current))
            {
                case "System.Type":
                case "System.Reflection.MemberInfo":
                case "System.Reflection.Assembly":
                case "System.Reflection.Module":
                    return "a reflection object describes code in this process; store a name instead";
                case "System.IO.Stream":
                    return "a stream is an open resource; store its content, or a path or URL to it";
                case "System.Threading.CancellationToken":
                    return "a token only works in the process that made it, and a recovered workflow may run in another";
                case "System.Threading.WaitHandle":
                case "System.Threading.Thread":
                    return "it is an operating-system resource of this process";
            }
        }

        return null;
    }

    private static string FullName(INamedTypeSymbol type)
        => type.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() + "." + type.MetadataName : type.MetadataName;
}
