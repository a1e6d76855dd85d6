using System;
using System.Collections.Generic;
using System.Linq;
using Dbos.Generators.Model;
using static Dbos.Generators.Emit.Emitter;

namespace Dbos.Generators.Emit;

/// <summary>Emits <c>Dbos.Interceptors.g.cs</c>: one interceptor per called durable method, routing every call site through the runtime.</summary>
internal static class InterceptorsEmitter
{
    public const string HintName = "Dbos.Interceptors.g.cs";

    /// <summary>The file's text, or <c>null</c> when no call site is intercepted.</summary>
    public static string? Emit(EquatableArray<ClassPlan> plans, EquatableArray<CallSiteModel> callSites)
    {
        var methods = plans
            .SelectMany(p => p.Methods)
            .Where(m => m.Method.IsInterceptable)
            .ToDictionary(m => m.Method.Id, StringComparer.Ordinal);

        // One interceptor per called method, plus one per overriding class that calls are bound to.
        var interceptors = callSites
            .Where(c => methods.ContainsKey(c.MethodId))
            .GroupBy(c => (c.MethodId, c.Receiver))
            .Select(g => (Plan: methods[g.Key.MethodId], g.Key.Receiver, Sites: g.OrderBy(c => c.FilePath, StringComparer.Ordinal).ThenBy(c => c.Start).ToList()))
            .OrderBy(i => i.Plan.InterceptorName, StringComparer.Ordinal)
            .ThenBy(i => i.Receiver, StringComparer.Ordinal)
            .ToList();
        if (interceptors.Count == 0)
        {
            return null;
        }

        var writer = new SourceWriter();
        writer.WriteHeader();
        writer.OpenBlock("namespace Dbos.Generated");
        writer.WriteLine(GeneratedCode);
        writer.OpenBlock("file static class DbosInterceptors");

        var names = new HashSet<string>(interceptors.Where(i => i.Receiver.Length == 0).Select(i => i.Plan.InterceptorName), StringComparer.Ordinal);
        var first = true;
        foreach (var (plan, receiver, sites) in interceptors)
        {
            if (!first)
            {
                writer.WriteLine();
            }

            first = false;
            var name = plan.InterceptorName;
            if (receiver.Length > 0)
            {
                var receiverName = receiver.Substring(receiver.LastIndexOf('.') + 1).TrimStart('@');
                name = plan.InterceptorName + "_" + receiverName;
                for (var i = 2; !names.Add(name); i++)
                {
                    name = plan.InterceptorName + "_" + receiverName + "_" + i;
                }
            }

            WriteInterceptor(writer, plan, name, receiver.Length > 0 ? receiver : plan.Method.Class.FullyQualifiedName, sites);
        }

        writer.CloseBlock();
        writer.CloseBlock();
        writer.WriteLine();

        // The framework does not ship this attribute: the compiler recognizes a file-local declaration.
        writer.OpenBlock("namespace System.Runtime.CompilerServices");
        writer.WriteLine(GeneratedCode);
        writer.WriteLine("[global::System.AttributeUsage(global::System.AttributeTargets.Method, AllowMultiple = true)]");
        writer.OpenBlock("file sealed class InterceptsLocationAttribute : global::System.Attribute");
        writer.OpenBlock("public InterceptsLocationAttribute(int version, string data)");
        writer.WriteLine("_ = version;");
        writer.WriteLine("_ = data;");
        writer.CloseBlock();
        writer.CloseBlock();
        writer.CloseBlock();
        return writer.ToString();
    }

    private static void WriteInterceptor(SourceWriter writer, MethodPlan plan, string name, string receiverType, List<CallSiteModel> sites)
    {
        var method = plan.Method;
        foreach (var site in sites)
        {
            writer.WriteLine("[global::System.Runtime.CompilerServices.InterceptsLocation(" + site.Version + ", " + Literal(site.Data) + ")] // " + site.Display);
        }

        var thisName = ThisName(method);
        var parameters = ParameterList(method, modifiers: true);
        if (!method.IsStatic)
        {
            parameters = "this " + receiverType + " " + thisName + (parameters.Length > 0 ? ", " + parameters : string.Empty);
        }

        writer.WriteLine("public static " + method.ReturnType + " " + name + "(" + parameters + ")");
        writer.Indent();
        writer.WriteLine("=> " + Body(plan, thisName) + ";");
        writer.Unindent();
    }

    /// <summary>The lambda parameter that receives the step's token (the caller's, linked with its workflow's).</summary>
    private const string StepToken = "__dbosCancellationToken";

    private static string Body(MethodPlan plan, string thisName)
    {
        var method = plan.Method;

        // A step's CancellationToken is passed through the runtime, which adds the workflow's cancellation to it.
        var token = method.Kind == DurableKind.Step ? method.Parameters.FirstOrDefault(p => p.IsStepCancellationToken) : default;
        var cancellable = token.IsStepCancellationToken;
        var invoke = InvokerCall(plan, thisName, cancellable ? StepToken : null);

        // Workflows and transactions take the arguments: a workflow stores them, a transaction's temporary workflow too.
        var leading = Descriptor(plan) + (method.Kind == DurableKind.Step ? string.Empty : ", " + ArgumentArray(method)) + ", "
            + (cancellable ? token.Name + ", " : string.Empty);
        var lambda = cancellable ? StepToken + " => " : "() => ";
        var kind = method.Kind switch
        {
            DurableKind.Workflow => "Workflow",
            DurableKind.Transaction => "Transaction",
            _ => "Step",
        };
        var async = Runtime + ".Run" + kind + "Async";
        var sync = Runtime + ".Run" + kind;
        var result = "<" + method.ResultType + ">";

        return method.Shape switch
        {
            ReturnShape.TaskOfT => async + result + "(" + leading + lambda + invoke + ")",
            ReturnShape.Task => async + "(" + leading + lambda + invoke + ")",
            ReturnShape.ValueTaskOfT => "new " + ValueTask + result + "(" + async + result + "(" + leading + lambda + invoke + ".AsTask()))",
            ReturnShape.ValueTask => "new " + ValueTask + "(" + async + "(" + leading + lambda + invoke + ".AsTask()))",
            ReturnShape.Value => sync + result + "(" + leading + lambda + invoke + ")",
            _ => sync + "(" + leading + lambda + invoke + ")",
        };
    }
}
