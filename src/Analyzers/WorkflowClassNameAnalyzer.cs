using System;
using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Dbos.Analyzers;

/// <summary>
/// DBOS016: two classes of one compilation whose workflows (and transactions, whose temporary workflows are stored
/// too) would be stored with the same class name: the simple name, or <c>[WorkflowClass(Name)]</c>. Reported on each
/// of them once the whole compilation has been seen.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class WorkflowClassNameAnalyzer : DiagnosticAnalyzer
{
    /// <summary>The attribute that sets the stored class name (the generator reads the same).</summary>
    internal const string WorkflowClassAttributeName = "Dbos.WorkflowClassAttribute";

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rules.DuplicateWorkflowClassName);

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

            var classes = new ConcurrentBag<(INamedTypeSymbol Type, string StoredName)>();
            start.RegisterSymbolAction(
                c =>
                {
                    var type = (INamedTypeSymbol)c.Symbol;
                    if (type.TypeKind == TypeKind.Class && StoresWorkflows(type, symbols))
                    {
                        classes.Add((type, StoredName(type)));
                    }
                },
                SymbolKind.NamedType);
            start.RegisterCompilationEndAction(end => Report(end, classes));
        });
    }

    private static bool StoresWorkflows(INamedTypeSymbol type, DurableSymbols symbols)
        => type.GetMembers().OfType<IMethodSymbol>().Any(m => symbols.KindOf(m) is DurableKind.Workflow or DurableKind.Transaction);

    /// <summary>As the generator stores it: <c>[WorkflowClass(Name)]</c> when set and not blank, else the simple name.</summary>
    private static string StoredName(INamedTypeSymbol type)
    {
        foreach (var attribute in type.GetAttributes())
        {
            if (attribute.AttributeClass?.ToDisplayString() != WorkflowClassAttributeName)
            {
                continue;
            }

            foreach (var argument in attribute.NamedArguments)
            {
                if (argument.Key == "Name" && argument.Value.Value is string name && !string.IsNullOrWhiteSpace(name))
                {
                    return name;
                }
            }
        }

        return type.Name;
    }

    private static void Report(CompilationAnalysisContext context, ConcurrentBag<(INamedTypeSymbol Type, string StoredName)> classes)
    {
        foreach (var group in classes.GroupBy(c => c.StoredName, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            var members = group.OrderBy(c => c.Type.ToDisplayString(), StringComparer.Ordinal).ToList();
            foreach (var (type, storedName) in members)
            {
                var other = members.First(m => !SymbolEqualityComparer.Default.Equals(m.Type, type)).Type;
                var location = DurableSymbols.SourceDeclarations(type, context.CancellationToken).Select(d => d.Identifier.GetLocation()).FirstOrDefault()
                    ?? type.Locations.FirstOrDefault()
                    ?? Location.None;
                context.ReportDiagnostic(Diagnostic.Create(Rules.DuplicateWorkflowClassName, location, type.ToDisplayString(), other.ToDisplayString(), storedName));
            }
        }
    }
}
