using System.Text.Json;
using System.Text.RegularExpressions;
using Processes.Activities.Templates;

namespace Processes.Tests.Activities;

/// <summary>
/// Each activity's element template against its handler: the job type is the handler's, every variable and task header
/// the handler's code reads is a field of the template, and the template declares nothing the handler ignores — so a
/// handler that starts reading a new input, or a template with a typo, fails here rather than in a designer's model.
/// </summary>
public sealed partial class ElementTemplateTests
{
    /// <summary>Template id → (job type, the activity's source folder).</summary>
    private static readonly Dictionary<string, (string JobType, string Folder)> Activities = new(StringComparer.Ordinal)
    {
        ["processes.sms"] = ("sms", "Sms"),
        ["processes.refund"] = ("refund", "Refunds"),
        ["processes.assign"] = ("assign", "Assignment"),
        ["processes.http"] = ("http", "Http"),
        ["processes.verification-code"] = ("verification-code", "Verification"),
        ["processes.user-task-update"] = ("user-task-update", "Tasks"),
        ["processes.settlement-credit"] = ("settlement-credit", "Settlement"),
        ["processes.poi-check"] = ("poi-check", "Location"),
    };

    [Test]
    public void There_is_one_template_per_activity_and_each_is_valid_json_with_the_zeebe_schema()
    {
        var templates = ElementTemplates.All.Select(text => JsonDocument.Parse(text).RootElement).ToList();
        templates.Select(t => t.GetProperty("id").GetString()).Order(StringComparer.Ordinal).ShouldBe(Activities.Keys.Order(StringComparer.Ordinal));
        foreach (var template in templates)
        {
            template.GetProperty("$schema").GetString()!.ShouldContain("zeebe-element-templates-json-schema");
            template.GetProperty("elementType").GetProperty("value").GetString().ShouldBe("bpmn:ServiceTask");
            template.GetProperty("icon").GetProperty("contents").GetString()!.ShouldStartWith("data:image/svg+xml,");
        }
    }

    [TestCase("processes.sms")]
    [TestCase("processes.refund")]
    [TestCase("processes.assign")]
    [TestCase("processes.http")]
    [TestCase("processes.verification-code")]
    [TestCase("processes.user-task-update")]
    [TestCase("processes.settlement-credit")]
    [TestCase("processes.poi-check")]
    public void The_template_declares_exactly_what_the_handler_reads(string templateId)
    {
        var (jobType, folder) = Activities[templateId];
        var template = ElementTemplates.All.Select(text => JsonDocument.Parse(text).RootElement)
            .Single(t => t.GetProperty("id").GetString() == templateId);
        var properties = template.GetProperty("properties").EnumerateArray().ToList();
        string[] Bindings(string type, string name) => [.. properties
            .Select(p => p.GetProperty("binding"))
            .Where(b => b.GetProperty("type").GetString() == type)
            .Select(b => b.GetProperty(name).GetString()!)];

        Bindings("zeebe:taskDefinition", "property").ShouldBe(["type"]);
        properties.Single(p => p.GetProperty("binding").GetProperty("type").GetString() == "zeebe:taskDefinition")
            .GetProperty("value").GetString().ShouldBe(jobType);
        var inputs = Bindings("zeebe:input", "name").ToHashSet(StringComparer.Ordinal);
        var headers = Bindings("zeebe:taskHeader", "key").ToHashSet(StringComparer.Ordinal);

        var reads = HandlerReads(folder);
        reads.Type.ShouldBe(jobType);
        foreach (var (variable, header) in reads.Variables)
        {
            (inputs.Contains(variable) || (header is not null && headers.Contains(header))).ShouldBeTrue(
                $"{templateId}: the handler reads the variable '{variable}'{(header is null ? "" : $" (or the header '{header}')")}, which the template does not offer");
        }
        foreach (var header in reads.Headers)
        {
            headers.ShouldContain(header, $"{templateId}: the handler reads the task header '{header}'");
        }
        var readVariables = reads.Variables.Select(v => v.Variable).ToHashSet(StringComparer.Ordinal);
        var readHeaders = reads.Headers.Concat(reads.Variables.Select(v => v.Header).OfType<string>()).ToHashSet(StringComparer.Ordinal);
        inputs.Where(input => !readVariables.Contains(input)).ShouldBeEmpty($"{templateId}: inputs the handler never reads");
        headers.Where(header => !readHeaders.Contains(header)).ShouldBeEmpty($"{templateId}: headers the handler never reads");
    }

    private sealed record Reads(string Type, List<(string Variable, string? Header)> Variables, HashSet<string> Headers);

    /// <summary>What the handler's code reads: JobInputs.X(job, "variable"[, "header"]), job.Variables["…"], CustomHeaders["…"], Header(job, "…").</summary>
    private static Reads HandlerReads(string folder)
    {
        var source = string.Join("\n", Directory.EnumerateFiles(Path.Combine(RepositoryRoot(), "Activities", folder), "*.cs").Order(StringComparer.Ordinal)
            .Select(File.ReadAllText));
        var type = TypeDeclaration().Match(source).Groups[1].Value;
        var variables = new List<(string, string?)>();
        foreach (Match match in JobInputsCall().Matches(source))
        {
            variables.Add((match.Groups[1].Value, match.Groups[2].Success ? match.Groups[2].Value : null));
        }
        foreach (Match match in VariableIndex().Matches(source))
        {
            variables.Add((match.Groups[1].Value, null));
        }
        var headers = HeaderRead().Matches(source).Select(m => m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value).ToHashSet(StringComparer.Ordinal);
        return new Reads(type, [.. variables.Distinct()], headers);
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Processes.sln")))
        {
            directory = directory.Parent;
        }
        return directory?.FullName ?? throw new InvalidOperationException("The repository root (Processes.sln) was not found.");
    }

    [GeneratedRegex("""public string Type => "([^"]+)";""")]
    private static partial Regex TypeDeclaration();

    [GeneratedRegex("""JobInputs\.\w+\(job, "([^"]+)"(?:, "([^"]+)")?""")]
    private static partial Regex JobInputsCall();

    [GeneratedRegex(@"(?:Variables\[|Variables\.ContainsKey\()""([A-Za-z]+)""")]
    private static partial Regex VariableIndex();

    [GeneratedRegex("""CustomHeaders\["([^"]+)"\]|Header\(job, "([^"]+)"\)""")]
    private static partial Regex HeaderRead();
}
