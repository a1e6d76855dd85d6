using System;
using System.Collections.Generic;
using System.Text.Json;
using Dbos.Serialization;
using NUnit.Framework;

namespace Dbos.Tests.Serialization;

/// <summary>
/// Reading DBOS TypeScript's default serialization. Every stored text below was written by DBOS TypeScript 5.3.0 itself
/// (<c>DBOSJSON.stringify(value)</c>, <c>serializeArgs</c> and <c>serializeResError</c> of
/// <c>@dbos-inc/dbos-sdk/dist/src/serialization.js</c>, run with node 20), with the JavaScript value in the comment.
/// </summary>
public sealed class SuperJsonTests
{
    private static readonly SuperJsonSerializer Reader = SuperJsonSerializer.Default;

    private static T? Read<T>(string stored) => (T?)Reader.Deserialize(stored, typeof(T));

    private static string Plain(string stored) => SuperJson.Decode(stored)?.ToJsonString() ?? "null";

    [Test]
    public void Plain_JSON_values_read_as_they_are()
    {
        Assert.That(Read<string>("""{"json":"text","__dbos_serializer":"superjson"}"""), Is.EqualTo("text")); // 'text'
        Assert.That(Read<double>("""{"json":42.5,"__dbos_serializer":"superjson"}"""), Is.EqualTo(42.5)); // 42.5
        Assert.That(Read<bool>("""{"json":true,"__dbos_serializer":"superjson"}"""), Is.True);
        Assert.That(Read<string>("""{"json":null,"__dbos_serializer":"superjson"}"""), Is.Null);
        Assert.That(Read<object?[]>("""{"json":[1,"a",null],"__dbos_serializer":"superjson"}""")!.Length, Is.EqualTo(3));
        Assert.That(Plain("""{"json":{"a":1,"b":"x","nested":{"c":[true]}},"__dbos_serializer":"superjson"}"""), Is.EqualTo("""{"a":1,"b":"x","nested":{"c":[true]}}"""));
    }

    [Test]
    public void Undefined_reads_as_null_and_missing()
    {
        // undefined
        Assert.That(Read<int?>("""{"json":null,"meta":{"values":["undefined"]},"__dbos_serializer":"superjson"}"""), Is.Null);
        // [undefined, 1]
        Assert.That(Read<int?[]>("""{"json":[null,1],"meta":{"values":{"0":["undefined"]}},"__dbos_serializer":"superjson"}"""), Is.EqualTo(new int?[] { null, 1 }));
    }

    [Test]
    public void Dates_read_as_DateTimeOffset_and_DateTime()
    {
        const string stored = """{"json":"2024-05-06T07:08:09.123Z","meta":{"values":["Date"]},"__dbos_serializer":"superjson"}"""; // new Date('2024-05-06T07:08:09.123Z')
        var expected = new DateTimeOffset(2024, 5, 6, 7, 8, 9, 123, TimeSpan.Zero);
        Assert.That(Read<DateTimeOffset>(stored), Is.EqualTo(expected));
        Assert.That(Read<DateTime>(stored).ToUniversalTime(), Is.EqualTo(expected.UtcDateTime));
    }

    [Test]
    public void BigInts_read_as_numbers()
    {
        const string stored = """{"json":"12345678901234567890","meta":{"values":["bigint"]},"__dbos_serializer":"superjson"}"""; // 12345678901234567890n
        Assert.That(Plain(stored), Is.EqualTo("12345678901234567890"));
        Assert.That(Read<ulong>(stored), Is.EqualTo(12345678901234567890UL));
        Assert.That(Read<decimal>(stored), Is.EqualTo(12345678901234567890m));
        Assert.That(Read<JsonElement>(stored).GetRawText(), Is.EqualTo("12345678901234567890"), "beyond decimal's range, JsonElement keeps every digit");
    }

    [Test]
    public void Maps_read_as_dictionaries_when_their_keys_are_strings_or_numbers()
    {
        // new Map([['a', 1], ['b', 2]])
        Assert.That(Read<Dictionary<string, int>>("""{"json":[["a",1],["b",2]],"meta":{"values":["map"]},"__dbos_serializer":"superjson"}"""),
            Is.EqualTo(new Dictionary<string, int> { ["a"] = 1, ["b"] = 2 }));
        // new Map([[1, 'one'], [2, 'two']])
        Assert.That(Read<Dictionary<int, string>>("""{"json":[[1,"one"],[2,"two"]],"meta":{"values":["map"]},"__dbos_serializer":"superjson"}"""),
            Is.EqualTo(new Dictionary<int, string> { [1] = "one", [2] = "two" }));
        // new Map([[{k: 1}, 'v']]): an object key has no property name, so the pairs stay
        Assert.That(Plain("""{"json":[[{"k":1},"v"]],"meta":{"values":["map"]},"__dbos_serializer":"superjson"}"""), Is.EqualTo("""[[{"k":1},"v"]]"""));
        // new Map([[1, 'a'], ['1', 'b']]): two keys of a Map, one property name
        Assert.That(Plain("""{"json":[[1,"a"],["1","b"]],"meta":{"values":["map"]},"__dbos_serializer":"superjson"}"""), Is.EqualTo("""[[1,"a"],["1","b"]]"""));
        // new Map([[new Date(0), 'epoch']]): the key is converted first, then the Map
        Assert.That(Plain("""{"json":[["1970-01-01T00:00:00.000Z","epoch"]],"meta":{"values":["map",{"0.0":["Date"]}]},"__dbos_serializer":"superjson"}"""),
            Is.EqualTo("""{"1970-01-01T00:00:00.000Z":"epoch"}"""));
    }

    [Test]
    public void Sets_RegExps_URLs_Errors_and_typed_arrays_read_as_their_JSON_forms()
    {
        // new Set(['x', 'y'])
        Assert.That(Read<HashSet<string>>("""{"json":["x","y"],"meta":{"values":["set"]},"__dbos_serializer":"superjson"}"""), Is.EquivalentTo(new[] { "x", "y" }));
        // /ab+c/gi
        Assert.That(Read<string>("""{"json":"/ab+c/gi","meta":{"values":["regexp"]},"__dbos_serializer":"superjson"}"""), Is.EqualTo("/ab+c/gi"));
        // new URL('https://example.com/a?b=1')
        Assert.That(Read<Uri>("""{"json":"https://example.com/a?b=1","meta":{"values":["URL"]},"__dbos_serializer":"superjson"}"""), Is.EqualTo(new Uri("https://example.com/a?b=1")));
        // new TypeError('bad type') as a value
        Assert.That(Read<ErrorValue>("""{"json":{"name":"TypeError","message":"bad type"},"meta":{"values":["Error"]},"__dbos_serializer":"superjson"}"""),
            Is.EqualTo(new ErrorValue("TypeError", "bad type")));
        // new Uint8Array([1, 2, 3])
        Assert.That(Read<int[]>("""{"json":[1,2,3],"meta":{"values":[["typed-array","Uint8Array"]]},"__dbos_serializer":"superjson"}"""), Is.EqualTo(new[] { 1, 2, 3 }));
        // Buffer.from([1, 2, 255]) (DBOS registers a superjson recipe for Buffer)
        Assert.That(Read<byte[]>("""{"json":[1,2,255],"meta":{"values":[["custom","Buffer"]]},"__dbos_serializer":"superjson"}"""), Is.EqualTo(new byte[] { 1, 2, 255 }));
    }

    [Test]
    public void NaN_infinities_and_negative_zero_read_as_doubles()
    {
        Assert.That(Read<double>("""{"json":"NaN","meta":{"values":["number"]},"__dbos_serializer":"superjson"}"""), Is.NaN);
        Assert.That(Read<double>("""{"json":"Infinity","meta":{"values":["number"]},"__dbos_serializer":"superjson"}"""), Is.EqualTo(double.PositiveInfinity));
        var negativeZero = Read<double>("""{"json":"-0","meta":{"values":["number"]},"__dbos_serializer":"superjson"}""");
        Assert.That(double.IsNegative(negativeZero) && negativeZero == 0, Is.True);
    }

    [Test]
    public void Nested_values_are_converted_at_their_paths()
    {
        // { when: new Date(0), ids: new Set([1n, 2n]), m: new Map([['k', new Date(1000)]]), u: undefined, arr: [undefined, 1], 'dot.key': new Date(5) }
        const string stored = """{"json":{"when":"1970-01-01T00:00:00.000Z","ids":["1","2"],"m":[["k","1970-01-01T00:00:01.000Z"]],"u":null,"arr":[null,1],"dot.key":"1970-01-01T00:00:00.005Z"},"meta":{"values":{"when":["Date"],"ids":["set",{"0":["bigint"],"1":["bigint"]}],"m":["map",{"0.1":["Date"]}],"u":["undefined"],"arr.0":["undefined"],"dot.key":["Date"]}},"__dbos_serializer":"superjson"}""";
        Assert.That(Plain(stored), Is.EqualTo("""{"when":"1970-01-01T00:00:00.000Z","ids":[1,2],"m":{"k":"1970-01-01T00:00:01.000Z"},"u":null,"arr":[null,1],"dot.key":"1970-01-01T00:00:00.005Z"}"""));
        var mix = Read<Mix>(stored)!;
        Assert.That(mix.When, Is.EqualTo(DateTimeOffset.UnixEpoch));
        Assert.That(mix.Ids, Is.EqualTo(new long[] { 1, 2 }));
        Assert.That(mix.M["k"], Is.EqualTo(DateTimeOffset.FromUnixTimeMilliseconds(1000)));
        Assert.That(mix.U, Is.Null);

        // { a: o, b: o } with o = { d: new Date(10) }: both copies are in json, the referential equality needs no work
        Assert.That(Plain("""{"json":{"a":{"d":"1970-01-01T00:00:00.010Z"},"b":{"d":"1970-01-01T00:00:00.010Z"}},"meta":{"values":{"a.d":["Date"],"b.d":["Date"]},"referentialEqualities":{"a":["b"]}},"__dbos_serializer":"superjson"}"""),
            Is.EqualTo("""{"a":{"d":"1970-01-01T00:00:00.010Z"},"b":{"d":"1970-01-01T00:00:00.010Z"}}"""));
        // { count: 3n, tags: new Set(['a','b']), scores: new Map([['x', 1.5]]), note: undefined, when: new Date(0) }
        Assert.That(Plain("""{"json":{"when":"1970-01-01T00:00:00.000Z","count":"3","tags":["a","b"],"scores":[["x",1.5]],"note":null},"meta":{"values":{"when":["Date"],"count":["bigint"],"tags":["set"],"scores":["map"],"note":["undefined"]}},"__dbos_serializer":"superjson"}"""),
            Is.EqualTo("""{"when":"1970-01-01T00:00:00.000Z","count":3,"tags":["a","b"],"scores":{"x":1.5},"note":null}"""));
    }

    [Test]
    public void Escaped_paths_of_superjson_1_and_2_are_followed()
    {
        // { 'a\\b.c': new Date(5), list: [new Map([['k', 1n]])] } by DBOS 5.3 (superjson 1.13): an unescaped direct key is skipped, as superjson skips it
        Assert.That(Plain("""{"json":{"a\\b.c":"1970-01-01T00:00:00.005Z","list":[[["k","1"]]]},"meta":{"values":{"a\\b.c":["Date"],"list.0":["map",{"0.1":["bigint"]}]}},"__dbos_serializer":"superjson"}"""),
            Is.EqualTo("""{"a\\b.c":"1970-01-01T00:00:00.005Z","list":[{"k":1}]}"""));
        // the same by superjson 2.2 (v: 1, backslashes and dots escaped)
        Assert.That(Plain("""{"json":{"a\\b.c":"1970-01-01T00:00:00.005Z","list":[[["k","1"]]]},"meta":{"values":{"a\\\\b\\.c":["Date"],"list.0":["map",{"0.1":["bigint"]}]},"v":1},"__dbos_serializer":"superjson"}"""),
            Is.EqualTo("""{"a\\b.c":"1970-01-01T00:00:00.005Z","list":[{"k":1}]}"""));
    }

    [Test]
    public void Workflow_inputs_are_the_positional_arguments_array()
    {
        // serializeArgs([1, 'two', new Date(3)])
        var args = Reader.DeserializeArguments("""{"json":[1,"two","1970-01-01T00:00:00.003Z"],"meta":{"values":{"2":["Date"]}},"__dbos_serializer":"superjson"}""",
            new[] { typeof(int), typeof(string), typeof(DateTimeOffset) });
        Assert.That(args, Is.EqualTo(new object[] { 1, "two", DateTimeOffset.FromUnixTimeMilliseconds(3) }));

        var wrongCount = Assert.Throws<DbosSerializationException>(() => Reader.DeserializeArguments("""{"json":[1],"__dbos_serializer":"superjson"}""", new[] { typeof(int), typeof(int) }));
        Assert.That(wrongCount!.Message, Does.Contain("js_superjson").And.Contain("1 arguments").And.Contain("takes 2"));
    }

    [Test]
    public void Errors_keep_name_message_code_and_the_other_fields_as_data()
    {
        // Object.assign(new Error('with code'), { code: 'E42', extra: { n: 1 } }), through serializeResError
        var error = (PortableWorkflowException)Reader.DeserializeError(
            """{"json":{"code":"E42","extra":{"n":1},"name":"Error","message":"with code","stack":"Error: with code\n    at /tmp/samples.js:28:53"},"__dbos_serializer":"superjson"}""");
        Assert.That((error.ErrorName, error.Message, error.Code), Is.EqualTo(("Error", "with code", "\"E42\"")));
        Assert.That(error.ErrorData, Is.EqualTo("""{"extra":{"n":1},"stack":"Error: with code\n    at /tmp/samples.js:28:53"}"""));

        // new Error('outer', { cause: new Error('inner') })
        var caused = (PortableWorkflowException)Reader.DeserializeError(
            """{"json":{"name":"Error","message":"outer","stack":"Error: outer","cause":{"name":"Error","message":"inner","stack":"Error: inner"}},"__dbos_serializer":"superjson"}""");
        Assert.That(caused.Message, Is.EqualTo("outer"));
        using var data = JsonDocument.Parse(caused.ErrorData!);
        Assert.That(data.RootElement.GetProperty("cause").GetProperty("message").GetString(), Is.EqualTo("inner"));

        // new DBOSError('dbos err', 5): DBOS's own code stays in the data
        var dbos = (PortableWorkflowException)Reader.DeserializeError("""{"json":{"dbosErrorCode":5,"name":"Error","message":"dbos err","stack":"Error: dbos err"},"__dbos_serializer":"superjson"}""");
        Assert.That((dbos.ErrorName, dbos.Code, dbos.ErrorData), Is.EqualTo(("Error", (string?)null, """{"dbosErrorCode":5,"stack":"Error: dbos err"}""")));
    }

    [Test]
    public void A_value_that_cannot_be_read_names_the_serialization_what_it_holds_and_the_type()
    {
        var error = Assert.Throws<DbosSerializationException>(() => Read<string>("""{"json":{"a":1},"__dbos_serializer":"superjson"}"""));
        Assert.That(error!.Message, Does.Contain("js_superjson (DBOS TypeScript's default serializer)").And.Contain("a JSON object").And.Contain("System.String"));
    }

    [Test]
    public void Text_without_the_DBOS_marker_is_refused_as_DBOS_TypeScript_refuses_it()
    {
        var error = Assert.Throws<DbosSerializationException>(() => Read<string>("""{"json":"text"}"""));
        Assert.That(error!.Message, Does.Contain("js_superjson").And.Contain("__dbos_serializer"));
        Assert.Throws<DbosSerializationException>(() => Read<string>("not json"));
    }

    [Test]
    public void An_unknown_annotation_is_an_error_that_names_it()
    {
        var error = Assert.Throws<DbosSerializationException>(() => Read<string>("""{"json":"x","meta":{"values":["temporal"]},"__dbos_serializer":"superjson"}"""));
        Assert.That(error!.Message, Does.Contain("'temporal'"));
    }

    [Test]
    public void Outcomes_are_written_as_plain_superjson_records_and_read_back_and_inputs_are_never_written()
    {
        var when = new DateTimeOffset(1970, 1, 2, 0, 0, 0, TimeSpan.Zero);
        var written = Reader.Serialize(new Mix(when, [1, 2], new Dictionary<string, DateTimeOffset> { ["k"] = when }, null), typeof(Mix));
        Assert.That(written, Does.StartWith("""{"json":{""").And.EndWith(""","__dbos_serializer":"superjson"}"""));
        Assert.That(written, Does.Not.Contain("\"meta\""), "plain JSON: nothing for meta to say");
        var back = (Mix)Reader.Deserialize(written, typeof(Mix))!;
        Assert.That((back.When, back.Ids, back.M["k"], back.U), Is.EqualTo((when, new long[] { 1, 2 }, when, (string?)null)));
        Assert.That(Reader.Serialize(null, typeof(string)), Is.EqualTo("""{"json":null,"__dbos_serializer":"superjson"}"""));

        var error = Reader.DeserializeError(Reader.SerializeError(new InvalidOperationException("x")));
        Assert.That((error.GetType(), error.Message), Is.EqualTo((typeof(InvalidOperationException), "x")));
        Assert.Throws<NotSupportedException>(() => Reader.SerializeArguments(["x"], [typeof(string)]));
    }

    public sealed record ErrorValue(string Name, string Message);

    public sealed record Mix(DateTimeOffset When, long[] Ids, Dictionary<string, DateTimeOffset> M, string? U);
}
