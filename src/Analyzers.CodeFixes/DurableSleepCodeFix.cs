using System.Collections.Immutable;
using System.Composition;
using System.Threading;
using System.Threading.Tasks;
using Dbos.Analyzers.Determinism;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Dbos.Analyzers.CodeFixes;

/// <summary>DBOS004: <c>Task.Delay(t)</c> → <c>DBOS.SleepAsync(t)</c> and <c>Thread.Sleep(t)</c> → <c>DBOS.Sleep(t)</c>,
/// offered only when the runtime in the compilation has that durable sleep.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(DurableSleepCodeFix)), Shared]
public sealed class DurableSleepCodeFix : CodeFixProvider
{
    public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(Rules.NonDurableDelay.Id);

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
            if (!diagnostic.Properties.TryGetValue(DeterminismAnalyzer.SleepMethodProperty, out var sleep) || sleep is null
                || root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not InvocationExpressionSyntax delay
                || FixSyntax.SleepArguments(delay, model, context.CancellationToken) is not { } arguments)
            {
                continue;
            }

            var durable = FixSyntax.DbosCall(sleep, arguments).WithTriviaFrom(delay);
            if (!FixSyntax.BindsToDbos(model, delay, durable))
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create("Use 'DBOS." + sleep + "', a durable sleep", c => ReplaceAsync(context.Document, delay, durable, c), equivalenceKey: nameof(DurableSleepCodeFix)),
                diagnostic);
        }
    }

    private static async Task<Document> ReplaceAsync(Document document, SyntaxNode node, ExpressionSyntax replacement, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        return root is null ? document : document.WithSyntaxRoot(root.ReplaceNode(node, replacement));
    }
}
