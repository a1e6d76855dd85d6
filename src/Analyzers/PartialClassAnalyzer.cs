using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Dbos.Analyzers;

/// <summary>DBOS001: a class with durable methods, and every type around it, must be <c>partial</c>.</summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class PartialClassAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rules.ClassMustBePartial);

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

            start.RegisterSymbolAction(c => AnalyzeType(c, symbols), SymbolKind.NamedType);
        });
    }

    private static void AnalyzeType(SymbolAnalysisContext context, DurableSymbols symbols)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (type.TypeKind != TypeKind.Class || !type.GetMembers().Any(m => m is IMethodSymbol method && symbols.IsDurable(method)))
        {
            return;
        }

        var notPartial = new List<string>();
        TypeDeclarationSyntax? reportAt = null;
        for (var current = type; current is not null; current = current.ContainingType)
        {
            foreach (var declaration in DurableSymbols.SourceDeclarations(current, context.CancellationToken))
            {
                if (current.Equals(type, SymbolEqualityComparer.Default))
                {
                    reportAt ??= declaration;
                }

                if (!declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
                {
                    notPartial.Add("'" + current.Name + "'");
                    break;
                }
            }
        }

        if (notPartial.Count > 0 && reportAt is not null)
        {
            notPartial.Reverse();
            context.ReportDiagnostic(Diagnostic.Create(
                Rules.ClassMustBePartial,
                reportAt.Identifier.GetLocation(),
                type.Name,
                string.Join(", ", notPartial)));
        }
    }
}
