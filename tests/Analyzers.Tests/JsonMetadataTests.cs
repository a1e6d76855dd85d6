using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Testing;
using NUnit.Framework;

namespace Dbos.Analyzers.Tests;

public class JsonMetadataTests
{
    private const string Source = """
        using System;
        using System.Collections.Generic;
        using System.Text.Json;
        using System.Text.Json.Serialization;
        using System.Text.Json.Serialization.Metadata;
        using System.Threading;
        using System.Threading.Tasks;
        using Dbos;

        namespace Shop;

        public sealed record Order(int Id, List<Line> Lines);
        public sealed record Line(string Sku, int Quantity);
        public sealed record Coupon(string Code);
        public enum Carrier { Post, Courier }

        [JsonSerializable(typeof(Order))]
        internal sealed partial class ShopJsonContext : JsonSerializerContext
        {
            public ShopJsonContext() : base(null) { }
            protected override JsonSerializerOptions? GeneratedSerializerOptions => null;
            public override JsonTypeInfo? GetTypeInfo(Type type) => null;
        }

        public partial class Orders
        {
            [Workflow]
            public async Task<Order> Place(Order order, List<Line> lines, string[] tags, Dictionary<string, int> counts, {|#0:Coupon|} coupon, CancellationToken token)
            {
                await DBOS.SetEventAsync("order", order);
                await {|#1:DBOS.SetEventAsync("coupon", coupon)|};
                var carrier = await {|#2:DBOS.RecvAsync<Carrier>("carrier")|};
                await Price(coupon);
                return order;
            }

            [Workflow]
            public Task<{|#3:List<Order>|}> Batch(int count) => Task.FromResult(new List<Order>());

            // A step's arguments are not stored; its result is.
            [Step]
            private Task<{|#4:Coupon|}> Price(Coupon coupon) => Task.FromResult(coupon);

            [Step]
            private Task<decimal> Total(Coupon coupon) => Task.FromResult(1m);

            [Workflow]
            public Task Ship(Guid id, DateTimeOffset at, JsonElement details, int? priority) => Task.CompletedTask;
        }
        """;

    [Test]
    public Task In_a_Native_AOT_build_stored_types_outside_every_JSON_context_are_reported() => VerifyAsync(
        "build_property.PublishAot = true",
        Missing(0, "Parameter 'coupon' of 'Place'", "Shop.Coupon"),
        Missing(1, "The value of DBOS.SetEventAsync", "Shop.Coupon"),
        Missing(2, "The value of DBOS.RecvAsync", "Shop.Carrier"),
        Missing(3, "The result of 'Batch'", "System.Collections.Generic.List<Shop.Order>"),
        Missing(4, "The result of 'Price'", "Shop.Coupon"));

    [Test]
    public Task A_build_that_turns_reflection_based_JSON_off_is_checked_too() => VerifyAsync(
        "build_property.JsonSerializerIsReflectionEnabledByDefault = false",
        Missing(0, "Parameter 'coupon' of 'Place'", "Shop.Coupon"),
        Missing(1, "The value of DBOS.SetEventAsync", "Shop.Coupon"),
        Missing(2, "The value of DBOS.RecvAsync", "Shop.Carrier"),
        Missing(3, "The result of 'Batch'", "System.Collections.Generic.List<Shop.Order>"),
        Missing(4, "The result of 'Price'", "Shop.Coupon"));

    [Test]
    public Task A_build_with_reflection_reports_nothing() => VerifyAsync("build_property.PublishAot = false");

    private static DiagnosticResult Missing(int location, string what, string type)
        => new DiagnosticResult(Rules.NoJsonMetadata).WithLocation(location).WithArguments(what, type);

    private static Task VerifyAsync(string property, params DiagnosticResult[] expected)
    {
        // Markup that the build without AOT does not report is stripped to plain text.
        var source = expected.Length == 0 ? System.Text.RegularExpressions.Regex.Replace(Source, @"\{\|#\d+:(.*?)\|\}", "$1") : Source;
        var test = new CSharpAnalyzerTest<JsonMetadataAnalyzer, DefaultVerifier>
        {
            TestCode = source,
            ReferenceAssemblies = TestSetup.Net100,
        };
        test.TestState.AnalyzerConfigFiles.Add(("/.globalconfig", "is_global = true\n" + property + "\n"));
        test.ExpectedDiagnostics.AddRange(expected);
        TestSetup.Configure(test.TestState, withRuntime: true);
        test.SolutionTransforms.Add(TestSetup.Latest);
        return test.RunAsync(CancellationToken.None);
    }
}
