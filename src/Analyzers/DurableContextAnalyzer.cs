using System;
using System.Collections.Immutable;
using System.Threading;
using Dbos.Analyzers.Determinism;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Dbos.Analyzers;

/// <summary>
/// DBOS007–DBOS009: DBOS APIs used where they cannot work. Conservative: it reports what is certain, that is inside
/// [Workflow], [Step] and [Transaction] bodies, in the program's entry point (which never runs inside a workflow), and,
/// for workflow-only APIs, in helper methods that every known call reaches only from such places (see <see cref="Callers"/>).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class DurableContextAnalyzer : DiagnosticAnalyzer
{
    private const int MaxReceiverDepth = 32;

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(
        Rules.SqlSessionOutsideTransaction, Rules.TransactionControlInTransaction, Rules.WorkflowOnlyApi);

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            if (DurableSymbols.Create(start.Compilation) is not { Dbos: not null } symbols)
            {
                return;
            }

            var entryPoint = new Lazy<IMethodSymbol?>(() => start.Compilation.GetEntryPoint(start.CancellationToken), LazyThreadSafetyMode.ExecutionAndPublication);
            var callers = new Callers(symbols, entryPoint);
            start.RegisterOperationAction(c => Analyze(c, symbols, entryPoint, callers), OperationKind.Invocation, OperationKind.PropertyReference);
        });
    }

    private static void Analyze(OperationAnalysisContext context, DurableSymbols symbols, Lazy<IMethodSymbol?> entryPoint, Callers callers)
    {
        var (member, receiver) = context.Operation switch
        {
            IInvocationOperation invocation => ((ISymbol)invocation.TargetMethod, invocation.Instance),
            IPropertyReferenceOperation property => (property.Property, property.Instance),
            _ => ((ISymbol?)null, (IOperation?)null),
        };

        if (member is null || context.ContainingSymbol is not IMethodSymbol containing)
        {
            return;
        }

        if (IsSqlSession(member))
        {
            CheckSqlSession(context, symbols, containing, entryPoint);
            return;
        }

        if (symbols.IsDbosMember(member))
        {
            if (WorkflowOnly(member.Name) is { } allowedInSteps)
            {
                CheckWorkflowOnly(context, symbols, containing, entryPoint, callers, member.Name, allowedInSteps);
            }

            return;
        }

        if (context.Operation is IInvocationOperation call && IsTransactionControl(member.Name) && symbols.KindOf(containing) == DurableKind.Transaction
            && ComesFromSqlSession(symbols, receiver ?? FirstArgumentOfExtension(call), 0))
        {
            context.ReportDiagnostic(Diagnostic.Create(
                Rules.TransactionControlInTransaction,
                context.Operation.Syntax.GetLocation(),
                member.ContainingType.Name + "." + member.Name,
                containing.Name));
        }
    }

    /// <summary>Null for members that may be used anywhere; otherwise whether steps and transactions may use it.</summary>
    /// <remarks>As the runtime does: a step may set its workflow's events, and a sleep in a step is a plain delay (the
    /// step is re-run as a whole); Recv consumes a message and a patch records the branch taken, which only a workflow's body can record.</remarks>
    private static bool? WorkflowOnly(string name) => name switch
    {
        "Recv" or "RecvAsync" or "PatchAsync" or "DeprecatePatchAsync" => false,
        "SetEvent" or "SetEventAsync" or "Sleep" or "SleepAsync" => true,
        _ => null,
    };

    /// <summary>DBOS.SqlSession (a property of DBOS) or DBOS.SqlSession&lt;T&gt;() (an extension member beside it).</summary>
    private static bool IsSqlSession(ISymbol member)
    {
        if (member.Name != "SqlSession")
        {
            return false;
        }

        var type = member.ContainingType;
        while (type?.ContainingType is not null)
        {
            type = type.ContainingType;
        }

        return type?.ContainingNamespace is { Name: "Dbos", ContainingNamespace.IsGlobalNamespace: true };
    }

    private static void CheckWorkflowOnly(OperationAnalysisContext context, DurableSymbols symbols, IMethodSymbol containing, Lazy<IMethodSymbol?> entryPoint, Callers callers, string name, bool allowedInSteps)
    {
        var where = symbols.KindOf(containing) switch
        {
            DurableKind.Step when !allowedInSteps => "'" + containing.Name + "' is a [Step]",
            DurableKind.Transaction when !allowedInSteps => "'" + containing.Name + "' is a [Transaction]",
            DurableKind.None when IsEntryPoint(context, containing, entryPoint) => EntryPointDescription(containing, apposition: true) + " never runs inside a workflow",
            // A lambda may be handed to anyone; only the helper's own body is judged by its callers.
            DurableKind.None when !FunctionContext.IsInNestedFunction(context.Operation) && !SymbolEqualityComparer.Default.Equals(containing, entryPoint.Value)
                => callers.OnlyOutsideWorkflows(containing, allowedInSteps, context.CancellationToken),
            _ => null,
        };

        if (where is not null)
        {
            context.ReportDiagnostic(Diagnostic.Create(Rules.WorkflowOnlyApi, context.Operation.Syntax.GetLocation(), "DBOS." + name, where));
        }
    }

    private static void CheckSqlSession(OperationAnalysisContext context, DurableSymbols symbols, IMethodSymbol containing, Lazy<IMethodSymbol?> entryPoint)
    {
        var where = symbols.KindOf(containing) switch
        {
            DurableKind.Workflow => "[Workflow] '" + containing.Name + "'",
            DurableKind.Step => "[Step] '" + containing.Name + "'",
            DurableKind.None when IsEntryPoint(context, containing, entryPoint) => EntryPointDescription(containing, apposition: false),
            _ => null,
        };

        if (where is not null)
        {
            context.ReportDiagnostic(Diagnostic.Create(Rules.SqlSessionOutsideTransaction, context.Operation.Syntax.GetLocation(), where));
        }
    }

    private static bool IsEntryPoint(OperationAnalysisContext context, IMethodSymbol containing, Lazy<IMethodSymbol?> entryPoint)
        => !FunctionContext.IsInNestedFunction(context.Operation)
            && SymbolEqualityComparer.Default.Equals(containing, entryPoint.Value);

    /// <summary>"'Main', the program's entry point," in the middle of a sentence (apposition), else without the last comma.</summary>
    private static string EntryPointDescription(IMethodSymbol entryPoint, bool apposition)
        => entryPoint.IsImplicitlyDeclared || entryPoint.Name.StartsWith("<", StringComparison.Ordinal)
            ? "the top-level statements of the program"
            : "'" + entryPoint.Name + "', the program's entry point" + (apposition ? "," : string.Empty);

    private static bool IsTransactionControl(string name) => name is
        "Commit" or "CommitAsync" or "Rollback" or "RollbackAsync"
        or "BeginTransaction" or "BeginTransactionAsync"
        or "CommitTransaction" or "CommitTransactionAsync" or "RollbackTransaction" or "RollbackTransactionAsync"
        or "UseTransaction" or "UseTransactionAsync" or "EnlistTransaction";

    private static IOperation? FirstArgumentOfExtension(IInvocationOperation invocation)
        => invocation.TargetMethod.IsExtensionMethod && invocation.Arguments.Length > 0 ? invocation.Arguments[0].Value : null;

    /// <summary>Whether a receiver is DBOS.SqlSession, something reached from it, or a local initialized from one.</summary>
    private static bool ComesFromSqlSession(DurableSymbols symbols, IOperation? operation, int depth)
    {
        while (operation is not null && depth++ < MaxReceiverDepth)
        {
            switch (operation)
            {
                case IConversionOperation conversion:
                    operation = conversion.Operand;
                    break;
                case IAwaitOperation awaited:
                    operation = awaited.Operation;
                    break;
                case IPropertyReferenceOperation property:
                    if (IsSqlSession(property.Property))
                    {
                        return true;
                    }

                    operation = property.Instance;
                    break;
                case IInvocationOperation invocation:
                    if (IsSqlSession(invocation.TargetMethod))
                    {
                        return true;
                    }

                    operation = invocation.Instance ?? FirstArgumentOfExtension(invocation);
                    break;
                case IFieldReferenceOperation field:
                    operation = field.Instance;
                    break;
                case IConditionalAccessInstanceOperation conditional:
                    operation = ConditionalReceiver(conditional);
                    break;
                case ILocalReferenceOperation local:
                    return LocalComesFromSqlSession(symbols, local, depth);
                default:
                    return false;
            }
        }

        return false;
    }

    private static IOperation? ConditionalReceiver(IOperation instance)
    {
        for (var current = instance.Parent; current is not null; current = current.Parent)
        {
            if (current is IConditionalAccessOperation access)
            {
                return access.Operation;
            }
        }

        return null;
    }

    private static bool LocalComesFromSqlSession(DurableSymbols symbols, ILocalReferenceOperation local, int depth)
    {
        if (local.SemanticModel is not { } model)
        {
            return false;
        }

        foreach (var reference in local.Local.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax() is VariableDeclaratorSyntax { Initializer.Value: { } value }
                && reference.SyntaxTree == model.SyntaxTree
                && model.GetOperation(value) is { } initializer
                && ComesFromSqlSession(symbols, initializer, depth))
            {
                return true;
            }
        }

        return false;
    }
}
