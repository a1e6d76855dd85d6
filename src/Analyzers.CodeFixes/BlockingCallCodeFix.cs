using System.Collections.Immutable;
using System.Composition;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Dbos.Analyzers.CodeFixes;

/// <summary>DBOS002: awaits instead of blocking: <c>DBOS.X(...)</c> → <c>await DBOS.XAsync(...)</c>,
/// <c>handle.GetResult()</c> → <c>await handle.GetResultAsync()</c>, <c>task.Result</c> → <c>await task</c>,
/// <c>Thread.Sleep(t)</c> → <c>await DBOS.SleepAsync(t)</c>.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(BlockingCallCodeFix)), Shared]
public sealed class BlockingCallCodeFix : CodeFixProvider
{
    public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(Rules.BlockingCallInAsyncWorkflow.Id);

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        var model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || model is null)
        {
            return;
        }

        foreach (var diagnostic in context.Diagnostics)
        {
            if (root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not ExpressionSyntax node
                || !diagnostic.Properties.TryGetValue(BlockingCallAnalyzer.FixProperty, out var fix)
                || Replacement(node, fix, diagnostic, model, context.CancellationToken) is not { } replacement)
            {
                continue;
            }

            var title = "Use '" + replacement.Title + "'";
            context.RegisterCodeFix(
                CodeAction.Create(title, c => ReplaceAsync(context.Document, node, replacement.Expression, c), equivalenceKey: nameof(BlockingCallCodeFix) + fix),
                diagnostic);
        }
    }

    private static (string Title, ExpressionSyntax Expression)? Replacement(ExpressionSyntax node, string? fix, Diagnostic diagnostic, SemanticModel model, CancellationToken cancellationToken)
    {
        switch (fix)
        {
            case BlockingCallAnalyzer.FixAsyncVariant when node is InvocationExpressionSyntax invocation
                && diagnostic.Properties.TryGetValue(BlockingCallAnalyzer.AsyncNameProperty, out var asyncName) && asyncName is not null
                && BlockingCallAnalyzer.RenameInvoked(invocation, asyncName) is { } renamed:
                return ("await " + asyncName, FixSyntax.Await(renamed, node));

            case BlockingCallAnalyzer.FixAwaitTask when TaskOf(node) is { } task:
                return ("await", FixSyntax.Await(task.WithoutTrivia(), node));

            case BlockingCallAnalyzer.FixDurableSleep when node is InvocationExpressionSyntax sleep
                && FixSyntax.SleepArguments(sleep, model, cancellationToken) is { } arguments:
                var durable = FixSyntax.DbosCall("SleepAsync", arguments);
                return FixSyntax.BindsToDbos(model, node, durable) ? ("await DBOS.SleepAsync", FixSyntax.Await(durable, node)) : null;

            default:
                return null;
        }
    }

    /// <summary>The task of <c>task.Result</c>, <c>task.Wait()</c> or <c>task.GetAwaiter().GetResult()</c>.</summary>
    private static ExpressionSyntax? TaskOf(ExpressionSyntax node) => node switch
    {
        MemberAccessExpressionSyntax { Name.Identifier.Text: "Result" } result => result.Expression,
        InvocationExpressionSyntax
        {
            Expression: MemberAccessExpressionSyntax
            {
                Name.Identifier.Text: "GetResult",
                Expression: InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.Text: "GetAwaiter" } awaiter },
            },
        } => awaiter.Expression,
        InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.Text: "Wait" } wait } => wait.Expression,
        _ => null,
    };

    private static async Task<Document> ReplaceAsync(Document document, SyntaxNode node, ExpressionSyntax replacement, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        return root is null ? document : document.WithSyntaxRoot(root.ReplaceNode(node, replacement));
    }
}
