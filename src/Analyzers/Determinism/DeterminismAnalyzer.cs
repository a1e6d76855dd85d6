using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Dbos.Analyzers.Determinism;

/// <summary>
/// DBOS003–DBOS006: code in a workflow body, outside steps, that gives other values or other effects when the workflow
/// is replayed (time, randomness, delays, I/O, thread-pool scheduling of durable calls). Checked through the methods
/// the workflow calls in this compilation; the message names the call chain.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class DeterminismAnalyzer : DiagnosticAnalyzer
{
    /// <summary>Diagnostic property: the durable sleep that replaces a delay, when the code fix can offer it.</summary>
    internal const string SleepMethodProperty = "SleepMethod";

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(
        Rules.NonDeterministicValue, Rules.NonDurableDelay, Rules.IoOutsideStep, Rules.NonDeterministicScheduling);

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

            var graph = new CallGraph(symbols);
            start.RegisterOperationBlockAction(c => AnalyzeWorkflow(c, symbols, graph));
        });
    }

    private static void AnalyzeWorkflow(OperationBlockAnalysisContext context, DurableSymbols symbols, CallGraph graph)
    {
        if (context.OwningSymbol is not IMethodSymbol workflow || symbols.KindOf(workflow) != DurableKind.Workflow)
        {
            return;
        }

        var facts = graph.Examine(context.OperationBlocks, context.CancellationToken);
        var subject = "Workflow '" + workflow.Name + "'";
        foreach (var use in facts.Uses)
        {
            // A blocking Thread.Sleep where the workflow could await is DBOS002's (it offers 'await DBOS.SleepAsync').
            if (use.Rule == Rules.NonDurableDelay && use.Api == "Thread.Sleep" && FunctionContext.IsInAsyncFunction(use.Operation))
            {
                continue;
            }

            Report(context, symbols, use, subject + " uses '" + use.Api + "'", direct: true);
        }

        foreach (var call in facts.Calls)
        {
            foreach (var reached in graph.Reached(call.Callee, context.CancellationToken))
            {
                var chain = string.Join(", which calls ", reached.Path.Select(m => "'" + DisplayName(m, workflow) + "'"));
                Report(context, symbols, reached.Use with { Operation = call.Operation }, subject + " calls " + chain + ", which uses '" + reached.Use.Api + "'", direct: false);
            }
        }
    }

    private static void Report(OperationBlockAnalysisContext context, DurableSymbols symbols, ApiUse use, string what, bool direct)
    {
        var location = use.Operation.Syntax.GetLocation();
        if (use.Rule == Rules.NonDurableDelay)
        {
            var sleep = use.Api == "Task.Delay" || FunctionContext.IsInAsyncFunction(use.Operation) ? "DBOS.SleepAsync" : "DBOS.Sleep";
            var replacement = (sleep == "DBOS.SleepAsync" ? "await " : string.Empty) + sleep + "(...)";
            var properties = ImmutableDictionary<string, string?>.Empty;
            if (direct && HasDbosMethod(symbols, sleep.Substring("DBOS.".Length)))
            {
                properties = properties.Add(SleepMethodProperty, sleep.Substring("DBOS.".Length));
            }

            context.ReportDiagnostic(Diagnostic.Create(use.Rule, location, properties, what, replacement));
            return;
        }

        context.ReportDiagnostic(use.Rule == Rules.NonDeterministicScheduling
            ? Diagnostic.Create(use.Rule, location, what, use.Advice)
            : Diagnostic.Create(use.Rule, location, what));
    }

    private static bool HasDbosMethod(DurableSymbols symbols, string name)
        => symbols.Dbos is { } dbos && dbos.GetMembers(name).Any(m => m is IMethodSymbol { IsStatic: true, DeclaredAccessibility: Accessibility.Public });

    /// <summary>How the chain names a method: plain for the workflow's own class, with the type otherwise.</summary>
    private static string DisplayName(IMethodSymbol method, IMethodSymbol workflow)
    {
        var sameType = SymbolEqualityComparer.Default.Equals(method.ContainingType, workflow.ContainingType);
        var typeName = method.ContainingType?.Name ?? string.Empty;
        switch (method.MethodKind)
        {
            case MethodKind.Constructor:
                return "new " + typeName + "(...)";
            case MethodKind.PropertyGet:
            case MethodKind.PropertySet:
                var property = method.AssociatedSymbol?.Name ?? method.Name;
                return sameType ? property : typeName + "." + property;
            default:
                return sameType ? method.Name : typeName + "." + method.Name;
        }
    }
}

/// <summary>Where an operation sits: in which function (method, local function or lambda).</summary>
internal static class FunctionContext
{
    /// <summary>Whether the innermost function around the operation is <c>async</c>, so an <c>await</c> can go there.</summary>
    public static bool IsInAsyncFunction(IOperation operation)
    {
        for (var current = operation.Parent; current is not null; current = current.Parent)
        {
            switch (current)
            {
                case IAnonymousFunctionOperation lambda:
                    return lambda.Symbol.IsAsync;
                case ILocalFunctionOperation local:
                    return local.Symbol.IsAsync;
            }
        }

        return operation.SemanticModel?.GetEnclosingSymbol(operation.Syntax.SpanStart) is IMethodSymbol { IsAsync: true } method
            && method.MethodKind != MethodKind.AnonymousFunction;
    }

    /// <summary>Whether the operation is inside a lambda, anonymous method or local function.</summary>
    public static bool IsInNestedFunction(IOperation operation)
    {
        for (var current = operation.Parent; current is not null; current = current.Parent)
        {
            if (current is IAnonymousFunctionOperation or ILocalFunctionOperation)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The operations of a body, without the lambdas and local functions in it.</summary>
    public static IEnumerable<IOperation> OwnOperations(IOperation body)
    {
        var stack = new Stack<IOperation>();
        stack.Push(body);
        while (stack.Count > 0)
        {
            var current = stack.Pop();
            yield return current;
            foreach (var child in current.ChildOperations.Reverse())
            {
                if (child is not (IAnonymousFunctionOperation or ILocalFunctionOperation))
                {
                    stack.Push(child);
                }
            }
        }
    }
}
