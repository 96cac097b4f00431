using System.Text.Json;
using System.Text.RegularExpressions;
using Processes.Activities.Sms;

namespace Processes.Tests.Shipped;

/// <summary>Every SMS a shipped model sends has a shipped template that validates and declares the parameters the model maps.</summary>
public sealed partial class ShippedSmsTemplateTests
{
    [GeneratedRegex("""key="templateId" value="(?<id>[A-Z_]+)"(?s:.*?)source="=\{(?<params>[^}]*)\}" target="smsParameters" """)]
    private static partial Regex SmsTask();

    [Test]
    public void Every_template_a_model_names_ships_and_declares_what_the_model_maps()
    {
        var templates = ShippedDefinitions.Files(".json")
            .Where(f => f.EndsWith(".sms-template.json", StringComparison.Ordinal))
            .Select(f => JsonSerializer.Deserialize<SmsTemplate>(ShippedDefinitions.Text(f), new JsonSerializerOptions(JsonSerializerDefaults.Web))!)
            .ToDictionary(t => t.Id);
        templates.Values.ShouldAllBe(t => SmsText.Validate(t).Count == 0);

        var uses = ShippedDefinitions.Files(".bpmn").SelectMany(f => SmsTask().Matches(ShippedDefinitions.Text(f))).ToList();
        uses.ShouldNotBeEmpty();
        foreach (Match use in uses)
        {
            var id = use.Groups["id"].Value;
            templates.ShouldContainKey(id);
            var mapped = use.Groups["params"].Value.Split(',').Select(p => p.Split(':')[0].Trim()).ToList();
            templates[id].Parameters.ShouldBe(mapped, ignoreOrder: true, $"template {id}");
        }
    }
}
