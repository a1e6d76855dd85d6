using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Simplification;

namespace Dbos.Analyzers.CodeFixes;

/// <summary>Syntax the code fixes share.</summary>
internal static class FixSyntax
{
    /// <summary><c>DBOS</c>, written fully qualified and simplified (with a <c>using Dbos;</c> added if needed) on cleanup.</summary>
    public static ExpressionSyntax Dbos()
        => SyntaxFactory.ParseExpression("global::Dbos.DBOS").WithAdditionalAnnotations(Simplifier.Annotation, Simplifier.AddImportsAnnotation);

    /// <summary><c>DBOS.name(arguments)</c>.</summary>
    public static InvocationExpressionSyntax DbosCall(string name, ArgumentListSyntax arguments)
        => SyntaxFactory.InvocationExpression(
            SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, Dbos(), SyntaxFactory.IdentifierName(name)),
            arguments);

    /// <summary>The arguments of a delay (milliseconds or a TimeSpan first) as arguments of a durable sleep (a TimeSpan first).</summary>
    public static ArgumentListSyntax? SleepArguments(InvocationExpressionSyntax delay, SemanticModel model, CancellationToken cancellationToken)
    {
        if (model.GetSymbolInfo(delay, cancellationToken).Symbol is not IMethodSymbol method
            || method.Parameters.Length == 0
            || delay.ArgumentList.Arguments.Count != method.Parameters.Length
            || delay.ArgumentList.Arguments.Any(a => a.NameColon is not null))
        {
            return null;
        }

        var first = delay.ArgumentList.Arguments[0];
        switch (method.Parameters[0].Type.SpecialType)
        {
            case SpecialType.System_Int32:
            case SpecialType.System_Int64:
                var fromMilliseconds = SyntaxFactory.InvocationExpression(
                    SyntaxFactory.ParseExpression("global::System.TimeSpan.FromMilliseconds").WithAdditionalAnnotations(Simplifier.Annotation),
                    SyntaxFactory.ArgumentList(SyntaxFactory.SingletonSeparatedList(SyntaxFactory.Argument(first.Expression.WithoutTrivia()))));
                return delay.ArgumentList.WithArguments(delay.ArgumentList.Arguments.Replace(first, first.WithExpression(fromMilliseconds)));
            default:
                return method.Parameters[0].Type.Name == "TimeSpan" ? delay.ArgumentList : null;
        }
    }

    /// <summary>Whether <paramref name="replacement"/>, put where <paramref name="original"/> is, calls a DBOS method.</summary>
    public static bool BindsToDbos(SemanticModel model, SyntaxNode original, ExpressionSyntax replacement)
    {
        var info = model.GetSpeculativeSymbolInfo(original.SpanStart, replacement, SpeculativeBindingOption.BindAsExpression);
        return info.Symbol is IMethodSymbol { ContainingType: { Name: "DBOS", ContainingNamespace.Name: "Dbos" } };
    }

    /// <summary><c>await expression</c>, parenthesized where the expression was the target of a member access or call.</summary>
    public static ExpressionSyntax Await(ExpressionSyntax expression, SyntaxNode replaced)
    {
        var awaited = (ExpressionSyntax)SyntaxFactory.AwaitExpression(expression.WithoutLeadingTrivia())
            .WithLeadingTrivia(replaced.GetLeadingTrivia())
            .WithTrailingTrivia(replaced.GetTrailingTrivia());
        return replaced.Parent is MemberAccessExpressionSyntax or ConditionalAccessExpressionSyntax or ElementAccessExpressionSyntax
            or InvocationExpressionSyntax or PostfixUnaryExpressionSyntax
            ? SyntaxFactory.ParenthesizedExpression(awaited.WithoutTrivia()).WithTriviaFrom(awaited)
            : awaited;
    }
}
