using System.Text.Json.Nodes;
using Processes.Engine.Feel.Values;
using static Processes.Tests.Feel.FeelTestHelpers;

namespace Processes.Tests.Feel;

[TestFixture]
public sealed class FeelJsonTests
{
    [Test]
    public void Json_values_map_to_feel_values()
    {
        var value = FeelJson.FromJsonNode(JsonNode.Parse("""{"n": 1.10, "s": "x", "b": true, "l": [1, null], "o": {"k": 2}}"""));
        value.ToString().ShouldBe("{n: 1.1, s: \"x\", b: true, l: [1, null], o: {k: 2}}");
        value.ShouldBeOfType<FeelContextValue>().Entries[0].Value.ShouldBeOfType<FeelNumber>().Value.ShouldBe(1.10m);
    }

    [Test]
    public void Feel_values_write_to_json_with_temporal_values_as_iso_text()
    {
        var json = FeelJson.ToJsonNode(Eval("{id: 7, at: date and time(\"2024-01-02T03:04:05Z\"), wait: duration(\"PT4H\"), tags: [\"a\"]}"));
        json!.ToJsonString().ShouldBe("""{"id":7,"at":"2024-01-02T03:04:05Z","wait":"PT4H","tags":["a"]}""");
    }

    [Test]
    public void Inner_scopes_shadow_outer_ones()
    {
        var process = Engine.Feel.Evaluation.FeelContext.FromJson(JsonNode.Parse("""{"a": 1, "b": 2}""")!.AsObject());
        var local = new Engine.Feel.Evaluation.FeelContext(process).Set("a", new FeelNumber(10));
        Engine.Feel.Feel.ParseExpression("a + b").Expression!.Evaluate(local).Value.ToString().ShouldBe("12");
        Should.Throw<InvalidOperationException>(() => Engine.Feel.Evaluation.FeelContext.Empty.Set("x", FeelValue.Null));
    }

    [Test]
    public void Mapping_output_from_process_variables()
    {
        const string variables = """{"order": {"id": "A-1", "items": [{"price": 2.5}, {"price": 4}]}}""";
        var json = FeelJson.ToJsonNode(Eval("{id: order.id, total: sum(order.items.price)}", variables));
        json!.ToJsonString().ShouldBe("""{"id":"A-1","total":6.5}""");
    }
}
