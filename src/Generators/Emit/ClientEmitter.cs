using Dbos.Generators.Model;
using static Dbos.Generators.Emit.Emitter;

namespace Dbos.Generators.Emit;

/// <summary>Emits <c>I{Class}Client</c> and <c>{Class}Client</c>: start a workflow in the background or run it and wait.</summary>
internal static class ClientEmitter
{
    public static void Write(SourceWriter writer, ClassPlan plan)
    {
        var accessibility = plan.ClientIsPublic ? "public" : "internal";
        var classModel = plan.Class;
        var interfaceName = "I" + plan.ClientName;

        writer.WriteLine("/// <summary>Starts and runs the workflows of <c>" + classModel.MetadataName + "</c> durably.</summary>");
        writer.WriteLine(GeneratedCode);
        writer.OpenBlock(accessibility + " partial interface " + interfaceName);
        var first = true;
        foreach (var method in plan.Methods)
        {
            if (method.ClientName.Length == 0)
            {
                continue;
            }

            if (!first)
            {
                writer.WriteLine();
            }

            first = false;
            writer.WriteLine("/// <summary>Starts the workflow <c>" + Xml(method.Method.DurableName) + "</c> and returns once it is durably recorded.</summary>");
            writer.WriteLine(StartSignature(method) + ";");
            writer.WriteLine();
            writer.WriteLine("/// <summary>Runs the workflow <c>" + Xml(method.Method.DurableName) + "</c> durably and returns its result.</summary>");
            writer.WriteLine(RunSignature(method) + ";");
            writer.WriteLine();
            writer.WriteLine("/// <summary>Enqueues the workflow <c>" + Xml(method.Method.DurableName) + "</c> on <c>workflowOptions.Queue</c> and returns once it is durably recorded.</summary>");
            writer.WriteLine(EnqueueSignature(method) + ";");
        }

        writer.CloseBlock();
        writer.WriteLine();

        writer.WriteLine("/// <summary>Starts and runs the workflows of <c>" + classModel.MetadataName + "</c> durably.</summary>");
        writer.WriteLine(GeneratedCode);
        writer.OpenBlock(accessibility + " sealed partial class " + plan.ClientName + " : " + plan.ClientInterfaceFullyQualifiedName);
        writer.WriteLine("private readonly global::Dbos.DbosRuntime __runtime;");
        writer.WriteLine("private readonly global::System.IServiceProvider __services;");
        writer.WriteLine();
        writer.WriteLine("/// <summary>Creates a client that runs workflows on <paramref name=\"runtime\"/>, resolving instances from <paramref name=\"services\"/>.</summary>");
        writer.OpenBlock("public " + plan.ClientName + "(global::Dbos.DbosRuntime runtime, global::System.IServiceProvider services)");
        writer.WriteLine("__runtime = runtime;");
        writer.WriteLine("__services = services;");
        writer.CloseBlock();
        writer.WriteLine();
        // A factory, not a second public constructor: dependency injection would find two constructors it can call ambiguous.
        writer.WriteLine("private " + plan.ClientName + "(global::Dbos.DbosClient client)");
        writer.WriteLine("    : this(" + Runtime + ".ClientRuntime(client), " + Runtime + ".NoServices) { }");
        writer.WriteLine();
        writer.WriteLine("/// <summary>A client that enqueues workflows through <paramref name=\"client\"/> from a process that runs none (its Start and Run methods refuse).</summary>");
        writer.WriteLine("public static " + plan.ClientName + " For(global::Dbos.DbosClient client) => new(client);");

        foreach (var method in plan.Methods)
        {
            if (method.ClientName.Length == 0)
            {
                continue;
            }

            writer.WriteLine();
            WriteStart(writer, method);
            writer.WriteLine();
            WriteRun(writer, method);
            writer.WriteLine();
            WriteEnqueue(writer, method);
        }

        writer.CloseBlock();
    }

    private static string Xml(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");

    private static string StartSignature(MethodPlan plan)
        => "global::System.Threading.Tasks.Task<" + (ReturnsValue(plan.Method.Shape) ? "global::Dbos.WorkflowHandle<" + plan.Method.ResultType + ">" : "global::Dbos.WorkflowHandle") + "> "
            + "Start" + plan.ClientName + "Async(" + ParameterList(plan.Method, modifiers: true, defaults: true) + ")";

    private static string EnqueueSignature(MethodPlan plan)
    {
        // The options come last: every workflow argument is required here, and a params array is a plain array.
        var parameters = ParameterList(plan.Method, modifiers: true, defaults: false).Replace("params ", string.Empty);
        return "global::System.Threading.Tasks.Task<" + (ReturnsValue(plan.Method.Shape) ? "global::Dbos.WorkflowHandle<" + plan.Method.ResultType + ">" : "global::Dbos.WorkflowHandle") + "> "
            + "Enqueue" + plan.ClientName + "Async(" + parameters + (parameters.Length == 0 ? string.Empty : ", ") + "global::Dbos.WorkflowOptions? workflowOptions = null)";
    }

    private static void WriteEnqueue(SourceWriter writer, MethodPlan plan)
        => WriteBackground(writer, plan, EnqueueSignature(plan), "EnqueueWorkflowAsync", ", workflowOptions", instanceInBody: true);

    private static string RunSignature(MethodPlan plan)
        => (ReturnsValue(plan.Method.Shape) ? Task + "<" + plan.Method.ResultType + ">" : Task) + " "
            + plan.ClientName + "Async(" + ParameterList(plan.Method, modifiers: true, defaults: true) + ")";

    private static void WriteStart(SourceWriter writer, MethodPlan plan)
        => WriteBackground(writer, plan, StartSignature(plan), "StartWorkflowAsync", string.Empty);

    /// <summary>A method that starts or enqueues the workflow and returns its handle once it is recorded.</summary>
    /// <param name="instanceInBody">An enqueue never runs the body here: the instance is created only if it does, so a client
    /// process needs neither the class's services nor a parameterless constructor.</param>
    private static void WriteBackground(SourceWriter writer, MethodPlan plan, string signature, string runtimeMethod, string extraArguments, bool instanceInBody = false)
    {
        var method = plan.Method;
        writer.WriteLine("/// <inheritdoc/>");
        writer.OpenBlock("public " + signature);
        if (!instanceInBody)
        {
            WriteInstance(writer, method);
        }

        var invoke = InvokerCall(plan, instanceInBody && !method.IsStatic ? GetInstance(method.Class, "__services") : "__instance");
        var body = method.Shape is ReturnShape.ValueTask or ReturnShape.ValueTaskOfT ? "() => " + invoke + ".AsTask()" : "() => " + invoke;
        var typeArgument = ReturnsValue(method.Shape) ? "<" + method.ResultType + ">" : string.Empty;
        writer.WriteLine("return " + Runtime + "." + runtimeMethod + typeArgument + "(" + Descriptor(plan) + ", " + ArgumentArray(method) + ", " + body + ", __runtime" + extraArguments + ");");
        writer.CloseBlock();
    }

    private static void WriteRun(SourceWriter writer, MethodPlan plan)
    {
        var method = plan.Method;
        writer.WriteLine("/// <inheritdoc/>");
        writer.OpenBlock("public " + RunSignature(plan));
        WriteInstance(writer, method);
        var invoke = InvokerCall(plan, "__instance");
        var body = method.Shape switch
        {
            ReturnShape.ValueTask or ReturnShape.ValueTaskOfT => "() => " + invoke + ".AsTask()",
            ReturnShape.Value => "() => " + Task + ".FromResult<" + method.ResultType + ">(" + invoke + ")",
            ReturnShape.Void => "() => { " + invoke + "; return " + Task + ".CompletedTask; }",
            _ => "() => " + invoke,
        };
        var typeArgument = ReturnsValue(method.Shape) ? "<" + method.ResultType + ">" : string.Empty;
        writer.WriteLine("return " + Runtime + ".RunWorkflowAsync" + typeArgument + "(" + Descriptor(plan) + ", " + ArgumentArray(method) + ", " + body + ", __runtime);");
        writer.CloseBlock();
    }

    private static void WriteInstance(SourceWriter writer, DurableMethodModel method)
    {
        if (!method.IsStatic)
        {
            writer.WriteLine("var __instance = " + GetInstance(method.Class, "__services") + ";");
        }
    }
}
