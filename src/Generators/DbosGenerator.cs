using System.Collections.Immutable;
using Dbos.Generators.Emit;
using Dbos.Generators.Model;
using Dbos.Generators.Parsing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Dbos.Generators;

/// <summary>
/// Makes <c>[Workflow]</c>, <c>[Step]</c> and <c>[Transaction]</c> methods durable: emits descriptors and invokers into
/// their partial classes, interceptors for every call site in the compilation, a module initializer that registers
/// the workflows, and typed clients.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class DbosGenerator : IIncrementalGenerator
{
    /// <summary>Names of the tracked pipeline steps (the caching tests look at them).</summary>
    internal static class TrackingNames
    {
        public const string Workflows = nameof(Workflows);
        public const string Steps = nameof(Steps);
        public const string Transactions = nameof(Transactions);
        public const string DurableMethods = nameof(DurableMethods);
        public const string Plans = nameof(Plans);
        public const string Classes = nameof(Classes);
        public const string InterceptableNames = nameof(InterceptableNames);
        public const string InterceptableIds = nameof(InterceptableIds);
        public const string Invocations = nameof(Invocations);
        public const string Candidates = nameof(Candidates);
        public const string CallSites = nameof(CallSites);
        public const string JsonContexts = nameof(JsonContexts);

        public static readonly string[] All =
        [
            Workflows, Steps, Transactions, DurableMethods, Plans, Classes,
            InterceptableNames, InterceptableIds, Invocations, Candidates, CallSites, JsonContexts,
        ];
    }

    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var workflows = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                DurableMethodParser.WorkflowAttribute,
                static (node, _) => node is MethodDeclarationSyntax,
                static (ctx, ct) => DurableMethodParser.Parse(ctx, DurableKind.Workflow, ct))
            .Where(static m => m is not null)
            .Select(static (m, _) => m!.Value)
            .WithTrackingName(TrackingNames.Workflows);

        var steps = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                DurableMethodParser.StepAttribute,
                static (node, _) => node is MethodDeclarationSyntax,
                static (ctx, ct) => DurableMethodParser.Parse(ctx, DurableKind.Step, ct))
            .Where(static m => m is not null)
            .Select(static (m, _) => m!.Value)
            .WithTrackingName(TrackingNames.Steps);

        // [Transaction] is intercepted like a step and routed to the transaction executor; it also gets a temporary workflow.
        var transactions = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                DurableMethodParser.TransactionAttribute,
                static (node, _) => node is MethodDeclarationSyntax,
                static (ctx, ct) => DurableMethodParser.Parse(ctx, DurableKind.Transaction, ct))
            .Where(static m => m is not null)
            .Select(static (m, _) => m!.Value)
            .WithTrackingName(TrackingNames.Transactions);

        var durableMethods = workflows.Collect()
            .Combine(steps.Collect().Combine(transactions.Collect()))
            .Select(static (pair, _) => Planner.Merge(pair.Left, pair.Right.Left.AddRange(pair.Right.Right)))
            .WithTrackingName(TrackingNames.DurableMethods);

        var plans = durableMethods
            .Select(static (methods, _) => Planner.Plan(methods))
            .WithTrackingName(TrackingNames.Plans);

        var classes = plans
            .SelectMany(static (plans, _) => (ImmutableArray<ClassPlan>)[.. plans])
            .WithTrackingName(TrackingNames.Classes);

        context.RegisterSourceOutput(classes, static (spc, plan) => spc.AddSource(ClassEmitter.HintName(plan), ClassEmitter.Emit(plan)));

        // The app's JsonSerializerContexts: registered with the runtime so that Native AOT apps serialize their own types.
        var jsonContexts = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                JsonContextParser.JsonSerializableAttribute,
                static (node, _) => node is ClassDeclarationSyntax,
                static (ctx, ct) => JsonContextParser.Parse(ctx, ct))
            .Collect()
            .Select(static (contexts, _) => JsonContextParser.Distinct(contexts))
            .WithTrackingName(TrackingNames.JsonContexts);

        context.RegisterSourceOutput(plans.Combine(jsonContexts), static (spc, pair) =>
        {
            if (RegistrationEmitter.Emit(pair.Left, pair.Right) is { } source)
            {
                spc.AddSource(RegistrationEmitter.HintName, source);
            }
        });

        // Call sites: a syntax-only pass over invocations, a filter by the durable methods' names, and binding only of what is left.
        var names = durableMethods
            .Select(static (methods, _) => Planner.InterceptableNames(methods))
            .WithTrackingName(TrackingNames.InterceptableNames);

        var ids = durableMethods
            .Select(static (methods, _) => Planner.InterceptableIds(methods))
            .WithTrackingName(TrackingNames.InterceptableIds);

        var invocations = context.SyntaxProvider
            .CreateSyntaxProvider(CallSiteBinder.IsCandidate, CallSiteBinder.ToCandidate)
            .WithTrackingName(TrackingNames.Invocations);

        var candidates = invocations.Collect()
            .Combine(names)
            .Select(static (pair, _) => CallSiteBinder.Filter(pair.Left, pair.Right))
            .WithTrackingName(TrackingNames.Candidates);

        var callSites = candidates
            .Combine(ids)
            .Combine(context.CompilationProvider)
            .Select(static (pair, ct) => CallSiteBinder.Bind(pair.Left.Left, pair.Left.Right, pair.Right, ct))
            .WithTrackingName(TrackingNames.CallSites);

        context.RegisterSourceOutput(plans.Combine(callSites), static (spc, pair) =>
        {
            if (InterceptorsEmitter.Emit(pair.Left, pair.Right) is { } source)
            {
                spc.AddSource(InterceptorsEmitter.HintName, source);
            }
        });
    }
}
