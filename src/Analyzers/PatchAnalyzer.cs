using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using Dbos.Analyzers.Determinism;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Dbos.Analyzers;

/// <summary>
/// DBOS019: one patch name checked twice in a workflow's body (DBOS.PatchAsync or DeprecatePatchAsync); DBOS020: a patch name
/// that is not a compile-time constant. (The determinism rules skip the unpatched branch of a patch: see <see cref="PatchBranches"/>.)
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class PatchAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rules.PatchCheckedTwice, Rules.PatchNameNotConstant);

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            if (DurableSymbols.Create(start.Compilation) is not { } symbols || symbols.Dbos?.GetMembers("PatchAsync").IsEmpty != false)
            {
                return;
            }

            start.RegisterOperationAction(c => CheckName(c, symbols), OperationKind.Invocation);
            start.RegisterOperationBlockAction(c => CheckWorkflow(c, symbols));
        });
    }

    private static void CheckName(OperationAnalysisContext context, DurableSymbols symbols)
    {
        var invocation = (IInvocationOperation)context.Operation;
        if (PatchBranches.IsPatchCall(symbols, invocation) && NameArgument(invocation) is { } name && !name.ConstantValue.HasValue)
        {
            context.ReportDiagnostic(Diagnostic.Create(Rules.PatchNameNotConstant, name.Syntax.GetLocation(), "DBOS." + invocation.TargetMethod.Name));
        }
    }

    private static void CheckWorkflow(OperationBlockAnalysisContext context, DurableSymbols symbols)
    {
        if (context.OwningSymbol is not IMethodSymbol workflow || symbols.KindOf(workflow) != DurableKind.Workflow)
        {
            return;
        }

        var first = new Dictionary<string, IOperation>(System.StringComparer.Ordinal);
        foreach (var block in context.OperationBlocks)
        {
            foreach (var operation in block.DescendantsAndSelf())
            {
                if (operation is not IInvocationOperation invocation || !PatchBranches.IsPatchCall(symbols, invocation)
                    || NameArgument(invocation)?.ConstantValue is not { HasValue: true, Value: string name })
                {
                    continue;
                }

                if (!first.TryGetValue(name, out var earlier))
                {
                    first.Add(name, invocation);
                    continue;
                }

                var line = earlier.Syntax.GetLocation().GetLineSpan().StartLinePosition.Line + 1;
                context.ReportDiagnostic(Diagnostic.Create(Rules.PatchCheckedTwice, invocation.Syntax.GetLocation(), name, line.ToString(CultureInfo.InvariantCulture), workflow.Name));
            }
        }
    }

    private static IOperation? NameArgument(IInvocationOperation invocation)
    {
        foreach (var argument in invocation.Arguments)
        {
            if (argument.Parameter?.Ordinal == 0)
            {
                return argument.Value is IConversionOperation { IsImplicit: true } conversion ? conversion.Operand : argument.Value;
            }
        }

        return null;
    }
}
