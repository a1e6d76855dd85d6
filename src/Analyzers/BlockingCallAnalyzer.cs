using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Dbos.Analyzers.Determinism;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Dbos.Analyzers;

/// <summary>
/// DBOS002: a blocking wait (the synchronous DBOS operations, handle <c>GetResult()</c>/<c>Wait()</c>,
/// <c>Thread.Sleep</c>, <c>.Result</c>, <c>.Wait()</c>, <c>.GetAwaiter().GetResult()</c>) where an async workflow could
/// <c>await</c>. Reported only where <c>await</c> is allowed, so the code fix always applies.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class BlockingCallAnalyzer : DiagnosticAnalyzer
{
    /// <summary>Diagnostic property: how the code fix rewrites the call.</summary>
    internal const string FixProperty = "Fix";

    /// <summary>Diagnostic property: the async method that replaces the blocking one (for <see cref="FixAsyncVariant"/>).</summary>
    internal const string AsyncNameProperty = "AsyncName";

    /// <summary><c>X(...)</c> becomes <c>await XAsync(...)</c>.</summary>
    internal const string FixAsyncVariant = "AsyncVariant";

    /// <summary><c>task.Result</c>, <c>task.Wait()</c>, <c>task.GetAwaiter().GetResult()</c> become <c>await task</c>.</summary>
    internal const string FixAwaitTask = "AwaitTask";

    /// <summary><c>Thread.Sleep(t)</c> becomes <c>await DBOS.SleepAsync(t)</c>.</summary>
    internal const string FixDurableSleep = "DurableSleep";

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rules.BlockingCallInAsyncWorkflow);

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

            start.RegisterOperationBlockAction(c => AnalyzeWorkflow(c, symbols));
        });
    }

    private static void AnalyzeWorkflow(OperationBlockAnalysisContext context, DurableSymbols symbols)
    {
        if (context.OwningSymbol is not IMethodSymbol workflow || symbols.KindOf(workflow) != DurableKind.Workflow)
        {
            return;
        }

        var operations = context.OperationBlocks.SelectMany(b => b.DescendantsAndSelf()).ToList();
        List<(ISymbol Symbol, int Position)>? awaited = null;
        foreach (var operation in operations)
        {
            context.CancellationToken.ThrowIfCancellationRequested();
            var found = operation switch
            {
                IInvocationOperation invocation => ClassifyInvocation(invocation, symbols),
                IPropertyReferenceOperation { Property.Name: "Result", Instance: { } task } property when symbols.IsTaskLike(property.Property.ContainingType)
                    => AwaitTask("Task.Result", property, task),
                _ => null,
            };

            if (found is not { } blocking || !FunctionContext.IsInAsyncFunction(operation) || IsInLock(operation))
            {
                continue;
            }

            // 'await Task.WhenAll(a, b); var x = a.Result;' reads a finished task: that is not a wait.
            if (blocking.Task is { } receiver)
            {
                awaited ??= CollectAwaited(operations);
                if (RootSymbol(receiver) is { } root && awaited.Any(a => SymbolEqualityComparer.Default.Equals(a.Symbol, root) && a.Position < operation.Syntax.SpanStart))
                {
                    continue;
                }
            }

            var properties = ImmutableDictionary<string, string?>.Empty.Add(FixProperty, blocking.Fix);
            if (blocking.AsyncName is not null)
            {
                properties = properties.Add(AsyncNameProperty, blocking.AsyncName);
            }

            context.ReportDiagnostic(Diagnostic.Create(Rules.BlockingCallInAsyncWorkflow, blocking.Node.Syntax.GetLocation(), properties, blocking.Api, blocking.Replacement));
        }
    }

    private static Blocking? ClassifyInvocation(IInvocationOperation invocation, DurableSymbols symbols)
    {
        var method = invocation.TargetMethod;
        var name = method.Name;

        // DBOS.Recv(...) -> await DBOS.RecvAsync(...), handle.GetResult() -> await handle.GetResultAsync(): when the async variant binds.
        if (symbols.IsDbosMember(method) || (!method.IsStatic && symbols.IsWorkflowHandle(method.ContainingType)))
        {
            var asyncName = name + "Async";
            if (name.EndsWith("Async", System.StringComparison.Ordinal) || !AsyncVariantBinds(invocation, asyncName))
            {
                return null;
            }

            var owner = method.IsStatic ? "DBOS" : "WorkflowHandle";
            return new Blocking(invocation, owner + "." + name, "await " + owner + "." + asyncName + "(...)", FixAsyncVariant, asyncName, null);
        }

        if (name is not ("Sleep" or "Wait" or "GetResult"))
        {
            return null;
        }

        switch (method.ContainingType?.OriginalDefinition.ToDisplayString())
        {
            case "System.Threading.Thread" when name == "Sleep":
                var hasSleepAsync = symbols.Dbos?.GetMembers("SleepAsync").Any() == true;
                return new Blocking(invocation, "Thread.Sleep", "await DBOS.SleepAsync(...)", hasSleepAsync ? FixDurableSleep : string.Empty, null, null);
            case "System.Threading.Tasks.Task" when name == "Wait" && method.Parameters.IsEmpty && invocation.Instance is { } task:
                return AwaitTask("Task.Wait()", invocation, task);
            case "System.Runtime.CompilerServices.TaskAwaiter" or "System.Runtime.CompilerServices.TaskAwaiter<TResult>"
                or "System.Runtime.CompilerServices.ValueTaskAwaiter" or "System.Runtime.CompilerServices.ValueTaskAwaiter<TResult>"
                when name == "GetResult" && invocation.Instance is IInvocationOperation { TargetMethod.Name: "GetAwaiter", Instance: { } awaited }
                    && symbols.IsTaskLike(awaited.Type):
                return AwaitTask("GetAwaiter().GetResult()", invocation, awaited);
            default:
                return null;
        }
    }

    private static Blocking AwaitTask(string api, IOperation node, IOperation task) => new(node, api, "await", FixAwaitTask, null, task);

    /// <summary>Whether <c>XAsync</c> with the same arguments (and type arguments) binds where <c>X</c> is called.</summary>
    private static bool AsyncVariantBinds(IInvocationOperation invocation, string asyncName)
    {
        if (invocation.Syntax is not InvocationExpressionSyntax syntax || invocation.SemanticModel is not { } model)
        {
            return false;
        }

        var renamed = RenameInvoked(syntax, asyncName);
        if (renamed is null)
        {
            return false;
        }

        var info = model.GetSpeculativeSymbolInfo(syntax.SpanStart, renamed, SpeculativeBindingOption.BindAsExpression);
        return info.Symbol is IMethodSymbol { Name: var bound } && bound == asyncName;
    }

    /// <summary>The invocation with the invoked member renamed (<c>a.X&lt;T&gt;(b)</c> → <c>a.XAsync&lt;T&gt;(b)</c>).</summary>
    internal static InvocationExpressionSyntax? RenameInvoked(InvocationExpressionSyntax invocation, string newName)
    {
        SimpleNameSyntax Rename(SimpleNameSyntax name) => name switch
        {
            GenericNameSyntax generic => generic.WithIdentifier(SyntaxFactory.Identifier(newName).WithTriviaFrom(generic.Identifier)),
            _ => SyntaxFactory.IdentifierName(SyntaxFactory.Identifier(newName).WithTriviaFrom(name.GetFirstToken())),
        };

        return invocation.Expression switch
        {
            MemberAccessExpressionSyntax access => invocation.WithExpression(access.WithName(Rename(access.Name))),
            MemberBindingExpressionSyntax binding => invocation.WithExpression(binding.WithName(Rename(binding.Name))),
            SimpleNameSyntax simple => invocation.WithExpression(Rename(simple)),
            _ => null,
        };
    }

    private static bool IsInLock(IOperation operation)
    {
        for (var current = operation.Parent; current is not null and not IAnonymousFunctionOperation and not ILocalFunctionOperation; current = current.Parent)
        {
            if (current is ILockOperation)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Locals and parameters that are awaited (directly or inside Task.WhenAll/WhenAny), with where.</summary>
    private static List<(ISymbol Symbol, int Position)> CollectAwaited(IEnumerable<IOperation> operations)
    {
        var result = new List<(ISymbol, int)>();
        foreach (var operation in operations)
        {
            var awaitedExpression = operation switch
            {
                IAwaitOperation awaitOperation => awaitOperation.Operation,
                IInvocationOperation { TargetMethod.Name: "WhenAll" or "WhenAny" or "WaitAll" } whenAll => whenAll,
                _ => null,
            };

            if (awaitedExpression is null)
            {
                continue;
            }

            foreach (var node in awaitedExpression.DescendantsAndSelf())
            {
                if (RootSymbol(node) is { } symbol)
                {
                    result.Add((symbol, operation.Syntax.SpanStart));
                }
            }
        }

        return result;
    }

    /// <summary>The local, parameter or field an expression reads (through conversions and element access).</summary>
    private static ISymbol? RootSymbol(IOperation operation)
    {
        while (true)
        {
            switch (operation)
            {
                case IConversionOperation conversion:
                    operation = conversion.Operand;
                    continue;
                case IArrayElementReferenceOperation element:
                    operation = element.ArrayReference;
                    continue;
                case IPropertyReferenceOperation { Property.IsIndexer: true, Instance: { } instance }:
                    operation = instance;
                    continue;
                case ILocalReferenceOperation local:
                    return local.Local;
                case IParameterReferenceOperation parameter:
                    return parameter.Parameter;
                case IFieldReferenceOperation field:
                    return field.Field;
                default:
                    return null;
            }
        }
    }

    /// <summary>A blocking wait found in a workflow.</summary>
    /// <param name="Node">The operation the diagnostic and the fix cover.</param>
    /// <param name="Api">How the message names it.</param>
    /// <param name="Replacement">What the message suggests.</param>
    /// <param name="Fix">How the code fix rewrites it (empty: no fix).</param>
    /// <param name="AsyncName">The async method's name, for <see cref="FixAsyncVariant"/>.</param>
    /// <param name="Task">The awaited task, for <see cref="FixAwaitTask"/>.</param>
    private sealed record Blocking(IOperation Node, string Api, string Replacement, string Fix, string? AsyncName, IOperation? Task);
}
