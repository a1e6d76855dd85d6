using System.Collections.Immutable;
using System.Linq;
using Dbos.Analyzers.Determinism;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Dbos.Analyzers;

/// <summary>
/// DBOS015: a [Step] or [Transaction] that starts a workflow, directly (a call of a [Workflow] method, also inside
/// <c>DBOS.StartWorkflowAsync(() => ...)</c>) or through the methods it calls in this compilation; the message names
/// the chain. Calls into other steps are not followed: each step is checked on its own.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class WorkflowInStepAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rules.WorkflowStartedInStep);

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

            var graph = new CallGraph(symbols, withApis: false);
            start.RegisterOperationBlockAction(c => Analyze(c, symbols, graph));
        });
    }

    private static void Analyze(OperationBlockAnalysisContext context, DurableSymbols symbols, CallGraph graph)
    {
        if (context.OwningSymbol is not IMethodSymbol step || symbols.KindOf(step) is not (DurableKind.Step or DurableKind.Transaction))
        {
            return;
        }

        var facts = graph.Examine(context.OperationBlocks, context.CancellationToken);
        var subject = "[" + symbols.KindOf(step) + "] '" + step.Name + "'";
        foreach (var call in facts.WorkflowCalls)
        {
            Report(context, call.Operation, subject + " starts workflow '" + call.Callee.Name + "'");
        }

        foreach (var call in facts.Calls)
        {
            if (graph.ReachedWorkflow(call.Callee, context.CancellationToken) is { } reached)
            {
                var chain = string.Join(", which calls ", reached.Path.Select(m => "'" + DisplayName(m, step) + "'"));
                Report(context, call.Operation, subject + " calls " + chain + ", which starts workflow '" + reached.Call.Callee.Name + "'");
            }
        }
    }

    private static void Report(OperationBlockAnalysisContext context, IOperation at, string what)
        => context.ReportDiagnostic(Diagnostic.Create(Rules.WorkflowStartedInStep, at.Syntax.GetLocation(), what));

    private static string DisplayName(IMethodSymbol method, IMethodSymbol step)
    {
        var name = method.MethodKind is MethodKind.PropertyGet or MethodKind.PropertySet ? method.AssociatedSymbol?.Name ?? method.Name
            : method.MethodKind == MethodKind.Constructor ? "new " + method.ContainingType.Name + "(...)"
            : method.Name;
        return SymbolEqualityComparer.Default.Equals(method.ContainingType, step.ContainingType) || method.MethodKind == MethodKind.Constructor
            ? name
            : method.ContainingType.Name + "." + name;
    }
}
