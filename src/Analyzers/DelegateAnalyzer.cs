using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Dbos.Analyzers;

/// <summary>
/// DBOS010: a [Workflow], [Step] or [Transaction] method used as a method group (<c>Func&lt;Task&gt; f = Foo;</c>,
/// <c>items.Select(Foo)</c>, <c>Task.Run(Foo)</c>). The generator intercepts direct calls only, so a call through the
/// delegate is not durable.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class DelegateAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rules.DurableMethodAsDelegate);

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

            start.RegisterOperationAction(c => Analyze(c, symbols), OperationKind.MethodReference);
        });
    }

    private static void Analyze(OperationAnalysisContext context, DurableSymbols symbols)
    {
        var reference = (IMethodReferenceOperation)context.Operation;
        var kind = symbols.KindOf(reference.Method);
        if (kind == DurableKind.None || IsStartWorkflowWithArguments(reference, symbols))
        {
            return;
        }

        var method = reference.Method;
        var arguments = string.Join(", ", method.Parameters.Select(p => p.Name));
        var parameters = method.Parameters.Length == 1 ? arguments : "(" + arguments + ")";
        var example = parameters + " => " + reference.Syntax.ToString() + "(" + arguments + ")";
        context.ReportDiagnostic(Diagnostic.Create(
            Rules.DurableMethodAsDelegate,
            reference.Syntax.GetLocation(),
            kind.ToString(),
            method.Name,
            example));
    }

    /// <summary>A DBOS start overload that takes the workflow and its arguments separately records the call itself.</summary>
    private static bool IsStartWorkflowWithArguments(IMethodReferenceOperation reference, DurableSymbols symbols)
    {
        var argument = reference.Parent is IDelegateCreationOperation creation ? creation.Parent as IArgumentOperation : null;
        return argument?.Parent is IInvocationOperation invocation
            && symbols.IsDbosMember(invocation.TargetMethod)
            && invocation.TargetMethod.Name.StartsWith("StartWorkflow", System.StringComparison.Ordinal)
            && invocation.TargetMethod.Parameters.Length > 1
            && SymbolEqualityComparer.Default.Equals(argument.Parameter, invocation.TargetMethod.Parameters[0]);
    }
}
