using System.Threading.Tasks;
using Microsoft.CodeAnalysis.Testing;
using NUnit.Framework;
using Verify = Dbos.Analyzers.Tests.AnalyzerVerifier<Dbos.Analyzers.SignatureAnalyzer>;

namespace Dbos.Analyzers.Tests;

public class SignatureTests
{
    private const string Usings = """
        using System;
        using System.Collections.Generic;
        using System.IO;
        using System.Threading;
        using System.Threading.Tasks;
        using Dbos;

        """;

    [Test]
    public Task Shapes_the_generator_cannot_make_durable_are_errors() => Verify.VerifyAsync(
        Usings + """
        public partial class Shapes
        {
            [Workflow]
            public Task<T> Generic{|#0:<T>|}(int id) => Task.FromResult(default(T)!);

            [Step]
            public int ByRef(ref int {|#1:x|}, out int {|#2:y|}, in int {|#3:z|})
            {
                y = x + z;
                return y;
            }

            [Step]
            public unsafe int Pointer(int* {|#4:p|}) => *p;

            [Step]
            public int Span(Span<int> {|#5:values|}) => values.Length;
        }

        public partial class Box<T>
        {
            [Workflow]
            public Task<int> {|#6:Count|}() => Task.FromResult(1);
        }

        public struct Value
        {
            [Step]
            public int {|#7:Twice|}(int x) => x * 2;
        }
        """,
        new[]
        {
            Shape(0, "Workflow", "Generic", "it is generic; write one method per type, so each has a stable name and stored types"),
            Shape(1, "Step", "ByRef", "parameter 'x' is passed by reference ('ref'); pass it by value and return results"),
            Shape(2, "Step", "ByRef", "parameter 'y' is passed by reference ('out'); pass it by value and return results"),
            Shape(3, "Step", "ByRef", "parameter 'z' is passed by reference ('in'); pass it by value and return results"),
            Shape(4, "Step", "Pointer", "parameter 'p' is a pointer; pass data instead"),
            Shape(5, "Step", "Span", "parameter 'values' is a ref struct ('Span<int>'), which cannot be kept across awaits; use an array or a string"),
            Shape(6, "Workflow", "Count", "class 'Box' is generic; declare it in a non-generic class"),
            Shape(7, "Step", "Twice", "it is declared in a struct; declare it in a class"),
        });

    [Test]
    public Task Types_portable_JSON_cannot_store_are_warnings() => Verify.VerifyAsync(
        Usings + """
        public partial class Storage
        {
            [Workflow]
            public Task<string> Run(
                Func<int> {|#0:callback|},
                CancellationToken {|#1:cancellationToken|},
                Stream {|#2:input|},
                Type {|#3:kind|},
                IntPtr {|#4:handle|},
                List<Action> {|#5:actions|})
                => Task.FromResult("x");

            [Workflow]
            public {|#6:Task<Task<int>>|} Nested() => Task.FromResult(Task.FromResult(1));

            [Step]
            public {|#7:Task<MemoryStream>|} Open() => Task.FromResult(new MemoryStream());

            // Step arguments are not stored: a step may take a token or a callback.
            [Step]
            public Task<int> Fetch(CancellationToken cancellationToken, Func<int> callback) => Task.FromResult(callback());
        }
        """,
        new[]
        {
            Storable(0, "Parameter 'callback'", "Workflow", "Run", "Func<int>", "a delegate is code, not data"),
            Storable(1, "Parameter 'cancellationToken'", "Workflow", "Run", "CancellationToken", "a token only works in the process that made it, and a recovered workflow may run in another"),
            Storable(2, "Parameter 'input'", "Workflow", "Run", "Stream", "a stream is an open resource; store its content, or a path or URL to it"),
            Storable(3, "Parameter 'kind'", "Workflow", "Run", "Type", "a reflection object describes code in this process; store a name instead"),
            Storable(4, "Parameter 'handle'", "Workflow", "Run", "nint", "a native pointer only means something in the process that made it"),
            Storable(5, "Parameter 'actions'", "Workflow", "Run", "Action", "a delegate is code, not data"),
            Storable(6, "The result", "Workflow", "Nested", "Task<int>", "a task is a running operation, not a value; await it and store its result"),
            Storable(7, "The result", "Step", "Open", "MemoryStream", "a stream is an open resource; store its content, or a path or URL to it"),
        });

    [Test]
    public Task Ordinary_signatures_are_fine() => Verify.VerifyAsync(
        Usings + """
        public sealed record Order(int Id, string Item, decimal Price, List<string> Tags);

        public partial class Orders
        {
            [Workflow]
            public Task<Dictionary<string, Order>> Place(Order order, int[] ids, string? note = null, DateTimeOffset? at = null) => Task.FromResult(new Dictionary<string, Order>());

            [Workflow]
            public void Fire(params string[] names) { }

            [Workflow]
            public ValueTask<(int Count, string Name)> Tuple() => ValueTask.FromResult((1, "a"));

            [Step]
            public static Task Nothing() => Task.CompletedTask;

            [Step]
            public static int Plain(object value) => value.GetHashCode();
        }
        """);

    [Test]
    public Task Async_void_durable_methods_are_errors() => Verify.VerifyAsync(
        Usings + """
        public partial class Alarms
        {
            [Workflow]
            public async {|#0:void|} Ring(int times)
            {
                Tick();
                await Task.Yield();
            }

            [Step]
            public async {|#1:void|} Tick() => await Task.Yield();

            [Transaction]
            private static async {|#2:void|} Save() => await Task.Yield();

            // A synchronous void method and an async Task are fine, and so is an async void method that is not durable.
            [Step]
            public void Log(string text) { }

            [Workflow]
            public async Task Snooze() => await Task.Yield();

            private async void OnClick() => await Task.Yield();
        }
        """,
        new[]
        {
            AsyncVoid(0, "Workflow", "Ring", "workflow"),
            AsyncVoid(1, "Step", "Tick", "step"),
            AsyncVoid(2, "Transaction", "Save", "transaction"),
        });

    [Test]
    public Task The_fix_returns_Task() => CodeFixVerifier<SignatureAnalyzer, Dbos.Analyzers.CodeFixes.AsyncVoidCodeFix>.VerifyAsync(
        Usings + """
        public partial class Alarms
        {
            [Workflow]
            public async {|#0:void|} Ring(int times) => await Task.Yield();
        }
        """,
        Usings + """
        public partial class Alarms
        {
            [Workflow]
            public async Task Ring(int times) => await Task.Yield();
        }
        """,
        expected: new[] { AsyncVoid(0, "Workflow", "Ring", "workflow") });

    private static DiagnosticResult AsyncVoid(int location, string kind, string method, string what)
        => new DiagnosticResult(Rules.AsyncVoidDurableMethod).WithLocation(location).WithArguments(kind, method, what);

    private static DiagnosticResult Shape(int location, string kind, string method, string reason)
        => new DiagnosticResult(Rules.MethodCannotBeDurable).WithLocation(location).WithArguments(kind, method, reason);

    private static DiagnosticResult Storable(int location, string what, string kind, string method, string type, string reason)
        => new DiagnosticResult(Rules.TypeNotStorable).WithLocation(location).WithArguments(what, kind, method, type, reason);
}
