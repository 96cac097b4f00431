using System.Xml.Linq;
using Processes.Engine.Bpmn.Reading;
using Processes.Engine.Dmn;
using Processes.Engine.Feel.Evaluation;
using Processes.Engine.Feel.Values;

namespace Processes.Tck;

/// <summary>
/// One folder's figures: every test case of every test file counts once. <see cref="Skipped"/> cases were not run
/// (none are today: a case the engine can't run, an unreadable file and a missing expectation are failures).
/// </summary>
public sealed record TckFolderResult(string Folder, int Passed, int Failed, int Skipped, IReadOnlyList<string> Failures)
{
    public int Run => Passed + Failed;
}

public sealed record TckReport(IReadOnlyList<TckFolderResult> Folders)
{
    public int Passed => Folders.Sum(f => f.Passed);
    public int Failed => Folders.Sum(f => f.Failed);
    public int Skipped => Folders.Sum(f => f.Skipped);
    public int Total => Passed + Failed + Skipped;
    public double PassRate => Total == 0 ? 0 : 100.0 * Passed / Total;

    public void Print(TextWriter output, bool details = false)
    {
        output.WriteLine($"{"folder",-50} {"run",5} {"pass",5} {"fail",5} {"skip",5}");
        foreach (var f in Folders)
        {
            output.WriteLine($"{f.Folder,-50} {f.Run,5} {f.Passed,5} {f.Failed,5} {f.Skipped,5}");
            if (details)
            {
                foreach (var failure in f.Failures)
                {
                    output.WriteLine("    " + failure);
                }
            }
        }
        output.WriteLine(FormattableString.Invariant($"TCK: {Passed}/{Total} passed ({PassRate:F1}%), {Passed + Failed} run, {Skipped} skipped"));
    }
}

/// <summary>Runs DMN TCK folders: each holds one model and its test files; every test case counts once.</summary>
public static class TckRunner
{
    /// <summary>The default TCK location: ../shared/dmn-tck next to the repository root (the folder holding Processes.sln).</summary>
    public static string? DefaultFolder(string? start = null) =>
        RepositoryRoot(start) is { } root ? Path.GetFullPath(Path.Combine(root, "..", "shared", "dmn-tck")) : null;

    public static string? RepositoryRoot(string? start = null)
    {
        for (var dir = new DirectoryInfo(start ?? AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Processes.sln")))
            {
                return dir.FullName;
            }
        }
        return null;
    }

    public static TckReport RunAll(string root, string? only = null)
    {
        var folders = Directory.GetDirectories(root).Order(StringComparer.Ordinal)
            .Where(d => only is null || Path.GetFileName(d).Contains(only, StringComparison.OrdinalIgnoreCase));
        return new TckReport([.. folders.Select(RunFolder)]);
    }

    /// <summary>
    /// Runs a folder's test files against its model, read and evaluated by the engine's own DMN reader and
    /// evaluator (<see cref="DmnReader"/>, <see cref="DecisionEvaluator"/>), so the TCK measures what processes get.
    /// </summary>
    public static TckFolderResult RunFolder(string folder)
    {
        var name = Path.GetFileName(folder);
        var tests = Directory.GetFiles(folder, "*-test-*.xml").Order(StringComparer.Ordinal).ToList();
        var failures = new List<string>();
        int passed = 0, failed = 0;
        if (tests.Count == 0)
        {
            failures.Add("no test files");
            return new TckFolderResult(name, 0, 1, 0, failures);
        }
        foreach (var testFile in tests)
        {
            XDocument doc;
            try
            {
                doc = XDocument.Load(testFile, LoadOptions.PreserveWhitespace);
            }
            catch (System.Xml.XmlException e)
            {
                // Its cases can't be counted; the file counts as one failed case rather than leaving the denominator.
                failed++;
                failures.Add($"{Path.GetFileName(testFile)} is not valid XML: {e.Message}");
                continue;
            }
            var modelName = doc.Root!.Child("modelName")?.Value.Trim();
            var modelPath = modelName is null ? Directory.GetFiles(folder, "*.dmn").FirstOrDefault() : Path.Combine(folder, modelName);
            var cases = doc.Root!.Children("testCase").ToList();
            // The folder's models are read together, as one deployment: a model's imports name the others (0086-import and the like).
            var read = modelPath is not null && File.Exists(modelPath)
                ? DmnFileSet.Read([.. Directory.GetFiles(folder, "*.dmn").Select(f => (Path.GetFileName(f), (ReadOnlyMemory<byte>)File.ReadAllBytes(f)))],
                    BpmnReadOptions.Default, new Dictionary<string, DecisionRequirements>())[Path.GetFileName(modelPath)]
                : null;
            if (read?.Requirements is not { } drg)
            {
                var why = read is null ? $"model {modelName} not found" : $"the engine refuses model {Path.GetFileName(modelPath)}: {string.Join("; ", read.Errors)}";
                failed += Math.Max(cases.Count, 1);
                failures.Add($"{Path.GetFileName(testFile)}: {cases.Count} case(s) failed: {why}");
                continue;
            }
            foreach (var testCase in cases)
            {
                string? why;
                try
                {
                    why = RunCase(drg, testCase);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    why = "exception: " + e.GetType().Name + ": " + e.Message;
                }
                if (why is null)
                {
                    passed++;
                }
                else
                {
                    failed++;
                    failures.Add($"{testCase.Attr("id")}: {why}");
                }
            }
        }
        return new TckFolderResult(name, passed, failed, 0, failures);
    }

    private static string? RunCase(DecisionRequirements drg, XElement testCase)
    {
        var now = DateTimeOffset.UtcNow;
        var variables = new FeelContext();
        var supplied = new Dictionary<string, FeelValue>(StringComparer.Ordinal);
        var arguments = new Dictionary<string, FeelValue>(StringComparer.Ordinal);
        foreach (var node in testCase.Children("inputNode"))
        {
            var inputName = node.Attr("name")!;
            var value = TckValues.Read(node);
            arguments[inputName] = value;
            if (FindDecision(drg, inputName) is { } decision)
            {
                supplied[decision.Id] = value;
            }
            else
            {
                variables.Set(inputName, value);
            }
        }
        ServiceResult? service = null;
        (FeelValue Value, string? Failure)? knowledge = null;
        if (testCase.Attr("type") == "bkm")
        {
            var bkmName = testCase.Attr("invocableName");
            if (drg.Parts.KnowledgeModels.FirstOrDefault(k => k.Name == bkmName || k.Id == bkmName) is not { } bkm)
            {
                return $"business knowledge model '{bkmName}' not found";
            }
            knowledge = DecisionEvaluator.InvokeKnowledgeModel(drg, bkm, [.. arguments], now);
        }
        else if (testCase.Attr("type") is { } type && type != "decision")
        {
            if (type != "decisionService")
            {
                return $"test case type '{type}' is not run by this runner";
            }
            var serviceName = testCase.Attr("invocableName");
            if (drg.Parts.Services.FirstOrDefault(s => s.Name == serviceName || s.Id == serviceName) is not { } found)
            {
                return $"decision service '{serviceName}' not found";
            }
            service = DecisionEvaluator.InvokeService(drg, found, arguments, now);
        }
        foreach (var result in testCase.Children("resultNode"))
        {
            var resultName = result.Attr("name")!;
            FeelValue actual;
            string? failure;
            if (knowledge is { } invoked)
            {
                (actual, failure) = invoked;
            }
            else if (service is not null)
            {
                // A result named after the service itself is the service's value (TCK 1157); otherwise an output decision's.
                actual = service.Outputs.TryGetValue(resultName, out var output) ? output
                    : resultName == testCase.Attr("invocableName") ? service.Value
                    : FeelValue.Null;
                failure = service.Failure;
            }
            else if (FindDecision(drg, resultName) is { } decision)
            {
                var evaluated = DecisionEvaluator.Evaluate(drg, decision, variables, now, supplied);
                actual = evaluated.Output;
                failure = evaluated.Failure;
            }
            else
            {
                return $"decision '{resultName}' not found";
            }
            if (result.Child("expected") is not { } expected)
            {
                return $"{resultName}: the result node has no <expected>";
            }
            if (TckValues.Mismatch(expected, actual) is { } why)
            {
                return $"{resultName}: {why}{(failure is null ? "" : " [" + failure + "]")}";
            }
        }
        return null;
    }

    private static ExecutableDecision? FindDecision(DecisionRequirements drg, string name) =>
        drg.Decisions.FirstOrDefault(d => d.Name == name) ?? drg.Find(name);
}
