using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using Microsoft.CodeAnalysis.Text;

namespace Dbos.Analyzers;

/// <summary>
/// DBOS013: in a workflow, a lambda passed to a [Step] or [Transaction] call assigns a local or parameter of the
/// workflow. The step runs the lambda in the first run only; a replay returns the step's recorded result without
/// running it, so the assignment never happens and the workflow goes on with another value.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class CapturedVariableAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rules.CapturedVariableWrittenInStep);

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

            start.RegisterOperationBlockStartAction(block =>
            {
                if (block.OwningSymbol is IMethodSymbol workflow && symbols.KindOf(workflow) == DurableKind.Workflow)
                {
                    block.RegisterOperationAction(c => AnalyzeCall(c, symbols), OperationKind.Invocation);
                }
            });
        });
    }

    private static void AnalyzeCall(OperationAnalysisContext context, DurableSymbols symbols)
    {
        var invocation = (IInvocationOperation)context.Operation;
        var kind = symbols.KindOf(invocation.TargetMethod);
        if (kind is not (DurableKind.Step or DurableKind.Transaction))
        {
            return;
        }

        foreach (var argument in invocation.Arguments)
        {
            foreach (var node in argument.Value.DescendantsAndSelf())
            {
                if (node is IAnonymousFunctionOperation lambda)
                {
                    ReportWrites(context, lambda, kind, invocation.TargetMethod.Name);
                }
            }
        }
    }

    private static void ReportWrites(OperationAnalysisContext context, IAnonymousFunctionOperation lambda, DurableKind kind, string stepName)
    {
        var lambdaSpan = lambda.Syntax.Span;
        foreach (var node in lambda.Body.Descendants())
        {
            var target = node switch
            {
                IAssignmentOperation assignment => assignment.Target,
                IIncrementOrDecrementOperation increment => increment.Target,
                IArgumentOperation { Parameter.RefKind: RefKind.Out or RefKind.Ref } byReference => byReference.Value,
                _ => null,
            };

            var variable = target switch
            {
                ILocalReferenceOperation local => (ISymbol)local.Local,
                IParameterReferenceOperation parameter => parameter.Parameter,
                _ => null,
            };

            if (variable is not null && IsCapturedFrom(variable, lambdaSpan))
            {
                context.ReportDiagnostic(Diagnostic.Create(Rules.CapturedVariableWrittenInStep, target!.Syntax.GetLocation(), variable.Name, kind.ToString(), stepName));
            }
        }
    }

    /// <summary>Whether the variable is declared outside the lambda (so the lambda captures it).</summary>
    private static bool IsCapturedFrom(ISymbol variable, TextSpan lambdaSpan)
    {
        foreach (var reference in variable.DeclaringSyntaxReferences)
        {
            if (lambdaSpan.Contains(reference.Span))
            {
                return false;
            }
        }

        return !variable.DeclaringSyntaxReferences.IsEmpty;
    }
}
