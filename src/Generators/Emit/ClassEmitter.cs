using System.Linq;
using Dbos.Generators.Model;
using static Dbos.Generators.Emit.Emitter;

namespace Dbos.Generators.Emit;

/// <summary>Emits <c>{Namespace}.{Class}.Dbos.g.cs</c>: the nested <c>__Dbos</c> class (descriptors and invokers) and the typed client.</summary>
internal static class ClassEmitter
{
    public static string HintName(ClassPlan plan) => plan.Class.HintPath + ".Dbos.g.cs";

    public static string Emit(ClassPlan plan)
    {
        var writer = new SourceWriter();
        writer.WriteHeader();
        var classModel = plan.Class;
        var hasNamespace = classModel.Namespace.Length > 0;
        if (hasNamespace)
        {
            writer.OpenBlock("namespace " + classModel.Namespace);
        }

        foreach (var containing in classModel.ContainingTypes)
        {
            writer.OpenBlock("partial " + containing.Keyword + " " + containing.Name);
        }

        writer.OpenBlock("partial " + classModel.Keyword + " " + classModel.Name);
        WriteDbosClass(writer, plan);
        writer.CloseBlock();

        foreach (var _ in classModel.ContainingTypes)
        {
            writer.CloseBlock();
        }

        if (plan.HasClient)
        {
            writer.WriteLine();
            ClientEmitter.Write(writer, plan);
        }

        if (hasNamespace)
        {
            writer.CloseBlock();
        }

        return writer.ToString();
    }

    private static void WriteDbosClass(SourceWriter writer, ClassPlan plan)
    {
        writer.WriteLine("/// <summary>Descriptors and invokers of the durable methods of this class. Used by generated code only.</summary>");
        writer.WriteLine(EditorBrowsableNever);
        writer.WriteLine(GeneratedCode);
        writer.OpenBlock("internal static " + (plan.Class.HidesBaseDbos ? "new " : string.Empty) + "class __Dbos");

        var first = true;
        foreach (var method in plan.Methods)
        {
            if (!first)
            {
                writer.WriteLine();
            }

            first = false;
            if (method.Method.Kind == DurableKind.Workflow)
            {
                WriteWorkflowDescriptor(writer, method);
            }
            else if (method.Method.Kind == DurableKind.Transaction)
            {
                WriteTransactionDescriptor(writer, method);
            }
            else
            {
                WriteStepDescriptor(writer, method);
            }
        }

        foreach (var method in plan.Methods)
        {
            writer.WriteLine();
            WriteInvoker(writer, method);
        }

        writer.CloseBlock();
    }

    private static void WriteWorkflowDescriptor(SourceWriter writer, MethodPlan plan)
    {
        var method = plan.Method;
        // Recovery and queues run the body directly (no interception): resolve the instance, unbox the arguments, box the result.
        var call = WriteDescriptorHead(writer, method, plan.Identifier + "_Workflow", Literal(method.DurableName), Literal(method.MaxRecoveryAttempts));
        // Generated code without roles stays as it was: the roles are an optional last argument.
        var close = method.RequiredRoles.Count == 0 ? ");" : ",";
        switch (method.Shape)
        {
            case ReturnShape.TaskOfT:
            case ReturnShape.ValueTaskOfT:
                writer.WriteLine("static async (services, args) => await " + call + ".ConfigureAwait(false)" + close);
                break;
            case ReturnShape.Task:
            case ReturnShape.ValueTask:
                writer.WriteLine("static async (services, args) =>");
                writer.WriteLine("{");
                writer.Indent();
                writer.WriteLine("await " + call + ".ConfigureAwait(false);");
                writer.WriteLine("return null;");
                writer.Unindent();
                writer.WriteLine("}" + close);
                break;
            case ReturnShape.Value:
                writer.WriteLine("static (services, args) => " + Task + ".FromResult<object?>(" + call + ")" + close);
                break;
            default:
                writer.WriteLine("static (services, args) =>");
                writer.WriteLine("{");
                writer.Indent();
                writer.WriteLine(call + ";");
                writer.WriteLine("return " + Task + ".FromResult<object?>(null);");
                writer.Unindent();
                writer.WriteLine("}" + close);
                break;
        }

        if (method.RequiredRoles.Count > 0)
        {
            writer.WriteLine("requiredRoles: " + RolesArray(method) + ");");
        }

        writer.Unindent();
    }

    /// <summary>Opens a <c>WorkflowDescriptor</c> field and writes its arguments up to the source hash; returns the direct
    /// call of the method with the arguments unboxed from <c>args</c>, for the invoke lambda that follows.</summary>
    private static string WriteDescriptorHead(SourceWriter writer, DurableMethodModel method, string field, string nameLiteral, string maxRecoveryAttempts)
    {
        writer.WriteLine("internal static readonly global::Dbos.Internal.WorkflowDescriptor " + field + " = new(");
        writer.Indent();
        writer.WriteLine(nameLiteral + ",");
        writer.WriteLine(Literal(method.Class.StoredName) + ",");
        writer.WriteLine(maxRecoveryAttempts + ",");
        writer.WriteLine(method.Parameters.Count == 0
            ? "global::System.Array.Empty<string>(),"
            : "new string[] { " + string.Join(", ", method.Parameters.Select(p => Literal(p.MetadataName))) + " },");
        writer.WriteLine(method.Parameters.Count == 0
            ? "global::System.Type.EmptyTypes,"
            : "new global::System.Type[] { " + string.Join(", ", method.Parameters.Select(p => "typeof(" + p.TypeOfType + ")")) + " },");
        writer.WriteLine("typeof(" + method.ResultTypeOf + "),");
        writer.WriteLine(Literal(method.SourceHash) + ",");

        var target = method.IsStatic ? method.Class.FullyQualifiedName : GetInstance(method.Class, "services");
        var arguments = string.Join(", ", method.Parameters.Select((p, i) => "(" + p.Type + ")args[" + i + "]!"));
        return target + "." + method.Name + "(" + arguments + ")";
    }

    /// <summary>The transaction's temporary workflow (<c>&lt;temp&gt;.Name</c>, what a call outside a workflow runs in and
    /// recovery finishes), then the transaction descriptor, which refers to it and so comes second.</summary>
    private static void WriteTransactionDescriptor(SourceWriter writer, MethodPlan plan)
    {
        var method = plan.Method;
        // Recovery runs the transaction again inside the recovered temporary workflow, where its recorded outcome is found.
        var call = WriteDescriptorHead(writer, method, plan.Identifier + "_TemporaryWorkflow", Literal("<temp>." + method.DurableName), "100");
        // The transaction descriptor is declared after this one; the lambda reads it only when recovery runs.
        var descriptor = plan.Identifier + "_Transaction!";
        var result = "<" + method.ResultType + ">";
        switch (method.Shape)
        {
            case ReturnShape.TaskOfT:
            case ReturnShape.ValueTaskOfT:
            case ReturnShape.Value:
                var body = method.Shape switch
                {
                    ReturnShape.TaskOfT => call,
                    ReturnShape.ValueTaskOfT => call + ".AsTask()",
                    _ => Task + ".FromResult" + result + "(" + call + ")",
                };
                writer.WriteLine("static async (services, args) => await " + Runtime + ".RunTransactionAsync" + result + "(" + descriptor + ", args, () => " + body + ").ConfigureAwait(false));");
                break;
            default:
                writer.WriteLine("static async (services, args) =>");
                writer.WriteLine("{");
                writer.Indent();
                var voidBody = method.Shape switch
                {
                    ReturnShape.Task => call,
                    ReturnShape.ValueTask => call + ".AsTask()",
                    _ => "{ " + call + "; return " + Task + ".CompletedTask; }",
                };
                writer.WriteLine("await " + Runtime + ".RunTransactionAsync(" + descriptor + ", args, () => " + voidBody + ").ConfigureAwait(false);");
                writer.WriteLine("return null;");
                writer.Unindent();
                writer.WriteLine("});");
                break;
        }

        writer.Unindent();
        writer.WriteLine();
        writer.WriteLine(
            "internal static readonly global::Dbos.Internal.TransactionDescriptor " + plan.Identifier + "_Transaction = new("
            + Literal(method.DurableName) + ", "
            + IsolationLevel(method.IsolationLevel) + ", "
            + Literal(method.ReadOnly) + ", "
            + plan.Identifier + "_TemporaryWorkflow"
            + (method.RequiredRoles.Count > 0 ? ", requiredRoles: " + RolesArray(method) : string.Empty) + ");");
    }

    /// <summary><c>new string[] { "admin", "ops" }</c>.</summary>
    private static string RolesArray(DurableMethodModel method)
        => "new string[] { " + string.Join(", ", method.RequiredRoles.Select(r => Literal(r))) + " }";

    private static string IsolationLevel(int level) => level switch
    {
        0 => "global::Dbos.TransactionIsolationLevel.Serializable",
        1 => "global::Dbos.TransactionIsolationLevel.RepeatableRead",
        2 => "global::Dbos.TransactionIsolationLevel.ReadCommitted",
        _ => "(global::Dbos.TransactionIsolationLevel)" + Literal(level),
    };

    private static void WriteStepDescriptor(SourceWriter writer, MethodPlan plan)
    {
        var method = plan.Method;
        writer.WriteLine(
            "internal static readonly global::Dbos.Internal.StepDescriptor " + plan.Identifier + "_Step = new("
            + Literal(method.DurableName) + ", "
            + Literal(method.RetriesAllowed) + ", "
            + Literal(method.IntervalSeconds) + ", "
            + Literal(method.MaxAttempts) + ", "
            + Literal(method.BackoffRate)
            + (method.RequiredRoles.Count > 0 ? ", requiredRoles: " + RolesArray(method) : string.Empty) + ");");
    }

    private static void WriteInvoker(SourceWriter writer, MethodPlan plan)
    {
        var method = plan.Method;
        var thisName = ThisName(method);
        var parameters = ParameterList(method, modifiers: false);
        if (!method.IsStatic)
        {
            parameters = method.Class.FullyQualifiedName + " " + thisName + (parameters.Length > 0 ? ", " + parameters : string.Empty);
        }

        var receiver = method.IsStatic ? method.Class.FullyQualifiedName : thisName;
        writer.WriteLine("internal static " + method.ReturnType + " Invoke_" + plan.Identifier + "(" + parameters + ")");
        writer.WriteLine("    => " + receiver + "." + method.Name + "(" + ArgumentList(method) + ");");
    }
}
