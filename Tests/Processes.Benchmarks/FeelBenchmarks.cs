using System.Globalization;
using System.Text.Json.Nodes;
using Processes.Engine.Feel;
using Processes.Engine.Feel.Evaluation;

namespace Processes.Benchmarks;

/// <summary>FEEL evaluations per second for typical gateway conditions and output mappings, parsed once versus every time.</summary>
internal sealed class FeelBenchmarks : IBenchmarkSuite
{
    public string Name => "feel";

    public string Description => "FEEL: evaluations/s of gateway conditions and mappings; parse-once vs parse-every-time baseline";

    private static readonly (string Label, string Expression)[] Cases =
    [
        ("gateway condition", "amount > 100 and customer.tier = \"VIP\""),
        ("output mapping", "{id: order.id, total: sum(order.items.price)}"),
        ("list filter", "count(order.items[price > 10])"),
        ("date arithmetic", "date and time(createdAt) + duration(\"PT4H\") > date and time(\"2024-01-01T00:00:00\")"),
    ];

    public Task RunAsync(TextWriter output, CancellationToken cancellationToken)
    {
        var variables = FeelContext.FromJson(JsonNode.Parse("""
            {"amount": 150, "customer": {"tier": "VIP"}, "createdAt": "2024-03-01T08:00:00",
             "order": {"id": "A-1", "items": [{"price": 5}, {"price": 12.5}, {"price": 20}]}}
            """)!.AsObject());
        var duration = TimeSpan.FromSeconds(1);
        output.WriteLine($"{"case",-20} {"parse once (ops/s)",20} {"parse each time (ops/s)",24} {"ratio",7}");
        foreach (var (label, text) in Cases)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var compiled = Feel.ParseExpression(text).Expression ?? throw new InvalidOperationException($"does not parse: {text}");
            var once = Measure.Throughput(() => compiled.Evaluate(variables), duration);
            var every = Measure.Throughput(() => Feel.ParseExpression(text).Expression!.Evaluate(variables), duration);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{label,-20} {once,20:N0} {every,24:N0} {once / every,6:F1}x"));
        }
        var cache = new FeelExpressionCache();
        var cached = Measure.Throughput(() => cache.GetExpression(Cases[0].Expression).Expression!.Evaluate(variables), duration);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"cached lookup",-20} {cached,20:N0}   (gateway condition through FeelExpressionCache)"));
        return Task.CompletedTask;
    }
}
