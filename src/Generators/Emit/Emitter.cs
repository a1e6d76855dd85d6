using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Dbos.Generators.Model;
using Microsoft.CodeAnalysis.CSharp;

namespace Dbos.Generators.Emit;

/// <summary>Pieces of generated code shared by the emitters.</summary>
internal static class Emitter
{
    public const string Runtime = "global::Dbos.Internal.DbosGenerated";
    public const string Task = "global::System.Threading.Tasks.Task";
    public const string ValueTask = "global::System.Threading.Tasks.ValueTask";

    public static readonly string GeneratedCode =
        "[global::System.CodeDom.Compiler.GeneratedCodeAttribute(\"Dbos.Generators\", \"" + typeof(Emitter).Assembly.GetName().Version + "\")]";

    public const string EditorBrowsableNever =
        "[global::System.ComponentModel.EditorBrowsableAttribute(global::System.ComponentModel.EditorBrowsableState.Never)]";

    public static string Literal(string value) => SymbolDisplay.FormatLiteral(value, quote: true);

    public static string Literal(bool value) => value ? "true" : "false";

    public static string Literal(int value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Literal(double value)
        => double.IsNaN(value) ? "double.NaN"
            : double.IsPositiveInfinity(value) ? "double.PositiveInfinity"
            : double.IsNegativeInfinity(value) ? "double.NegativeInfinity"
            : value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary><c>global::NS.C.__Dbos</c>.</summary>
    public static string DbosClass(DurableMethodModel method) => method.Class.FullyQualifiedName + ".__Dbos";

    /// <summary>The descriptor field, e.g. <c>global::NS.C.__Dbos.Run_Workflow</c>.</summary>
    public static string Descriptor(MethodPlan plan)
        => DbosClass(plan.Method) + "." + plan.Identifier + plan.Method.Kind switch
        {
            DurableKind.Workflow => "_Workflow",
            DurableKind.Transaction => "_Transaction",
            _ => "_Step",
        };

    /// <summary>The temporary workflow of a transaction, e.g. <c>global::NS.C.__Dbos.Debit_TemporaryWorkflow</c>.</summary>
    public static string TemporaryWorkflow(MethodPlan plan) => DbosClass(plan.Method) + "." + plan.Identifier + "_TemporaryWorkflow";

    /// <summary>The receiver's parameter name in invokers and interceptors.</summary>
    public static string ThisName(DurableMethodModel method)
        => method.Parameters.Any(p => p.MetadataName == "this") ? "@__this" : "@this";

    /// <summary><c>string a, int b</c>, optionally with <c>params</c>, the extension <c>this</c> and default values.</summary>
    public static string ParameterList(DurableMethodModel method, bool modifiers, bool defaults = false)
    {
        var writeDefaults = defaults && method.Parameters.All(p => !p.HasDefaultValue || p.DefaultValue is not null);
        return string.Join(", ", method.Parameters.Select((p, i) =>
            (modifiers && i == 0 && method.IsExtension ? "this " : string.Empty)
            + (modifiers && p.IsParams ? "params " : string.Empty)
            + p.Type + " " + p.Name
            + (writeDefaults && p.HasDefaultValue ? " = " + p.DefaultValue : string.Empty)));
    }

    /// <summary><c>a, b</c>.</summary>
    public static string ArgumentList(DurableMethodModel method) => string.Join(", ", method.Parameters.Select(p => p.Name));

    /// <summary><c>new object?[] { a, b }</c>.</summary>
    public static string ArgumentArray(DurableMethodModel method)
        => method.Parameters.Count == 0
            ? "global::System.Array.Empty<object?>()"
            : "new object?[] { " + ArgumentList(method) + " }";

    /// <summary>A call of the generated invoker, e.g. <c>global::NS.C.__Dbos.Invoke_Run(@this, a)</c>; with
    /// <paramref name="token"/>, that expression instead of the step's first <c>CancellationToken</c> parameter.</summary>
    public static string InvokerCall(MethodPlan plan, string? receiver, string? token = null)
    {
        var arguments = new List<string>();
        if (!plan.Method.IsStatic)
        {
            arguments.Add(receiver!);
        }

        var replaced = token is null;
        arguments.AddRange(plan.Method.Parameters.Select(p =>
        {
            if (!replaced && p.IsStepCancellationToken)
            {
                replaced = true;
                return token!;
            }

            return p.Name;
        }));
        return DbosClass(plan.Method) + ".Invoke_" + plan.Identifier + "(" + string.Join(", ", arguments) + ")";
    }

    /// <summary><c>GetInstance&lt;C&gt;(services, factory)</c>.</summary>
    public static string GetInstance(ClassModel classModel, string services)
        => Runtime + ".GetInstance<" + classModel.FullyQualifiedName + ">(" + services + ", " + (classModel.Factory ?? "null") + ")";

    public static bool ReturnsValue(ReturnShape shape) => shape is ReturnShape.Value or ReturnShape.TaskOfT or ReturnShape.ValueTaskOfT;
}
