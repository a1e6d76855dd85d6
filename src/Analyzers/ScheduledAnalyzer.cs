using System;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Dbos.Analyzers;

/// <summary>
/// DBOS017: a <c>[Scheduled]</c> method that is not a <c>[Workflow]</c> taking <c>(DateTimeOffset scheduledTime, DateTimeOffset actualTime)</c>.
/// DBOS018: a <c>[Scheduled]</c> cron text that the runtime would refuse at start (<see cref="CronText"/>).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ScheduledAnalyzer : DiagnosticAnalyzer
{
    internal const string ScheduledAttributeName = "Dbos.ScheduledAttribute";

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rules.BadScheduledSignature, Rules.BadCronText);

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            if (start.Compilation.GetTypeByMetadataName(ScheduledAttributeName) is not { } scheduled)
            {
                return;
            }

            var workflow = start.Compilation.GetTypeByMetadataName(DurableSymbols.WorkflowAttributeName);
            var dateTimeOffset = start.Compilation.GetTypeByMetadataName("System.DateTimeOffset");
            start.RegisterSymbolAction(c => Analyze(c, scheduled, workflow, dateTimeOffset), SymbolKind.Method);
        });
    }

    private static void Analyze(SymbolAnalysisContext context, INamedTypeSymbol scheduled, INamedTypeSymbol? workflow, INamedTypeSymbol? dateTimeOffset)
    {
        var method = (IMethodSymbol)context.Symbol;
        var attribute = method.GetAttributes().FirstOrDefault(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, scheduled));
        if (attribute is null)
        {
            return;
        }

        var syntax = attribute.ApplicationSyntaxReference?.GetSyntax(context.CancellationToken) as AttributeSyntax;
        var location = syntax?.GetLocation() ?? method.Locations.FirstOrDefault() ?? Location.None;
        string? problem = null;
        if (!method.GetAttributes().Any(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, workflow)))
        {
            problem = "add [Workflow]";
        }
        else if (method.Parameters.Length != 2 || !method.Parameters.All(p => SymbolEqualityComparer.Default.Equals(p.Type, dateTimeOffset) && p.RefKind == RefKind.None))
        {
            problem = "it takes (" + string.Join(", ", method.Parameters.Select(p => p.Type.ToDisplayString() + " " + p.Name)) + ")";
        }

        if (problem is not null)
        {
            context.ReportDiagnostic(Diagnostic.Create(Rules.BadScheduledSignature, location, method.Name, problem));
        }

        if (attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Value is string cron && CronText.Check(cron) is { } error)
        {
            var argument = syntax?.ArgumentList?.Arguments.FirstOrDefault()?.GetLocation() ?? location;
            context.ReportDiagnostic(Diagnostic.Create(Rules.BadCronText, argument, cron, error));
        }
    }
}
