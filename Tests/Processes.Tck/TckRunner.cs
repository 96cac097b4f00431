using System.Xml.Linq;
using Processes.Engine.Feel.Evaluation;
using Processes.Engine.Feel.Values;

namespace Processes.Tck;

public sealed record TckFolderResult(string Folder, int Passed, int Failed, int Skipped, string? SkipReason, IReadOnlyList<string> Failures);

public sealed record TckReport(IReadOnlyList<TckFolderResult> Folders)
{
    public int Passed => Folders.Sum(f => f.Passed);
    public int Failed => Folders.Sum(f => f.Failed);
    public int Skipped => Folders.Sum(f => f.Skipped);
    public int Total => Passed + Failed + Skipped;
    public double PassRate => Total == 0 ? 0 : 100.0 * Passed / Total;

    public void Print(TextWriter output, bool details = false)
    {
        output.WriteLine($"{"folder",-50} {"pass",5} {"fail",5} {"skip",5}");
        foreach (var f in Folders)
        {
            output.WriteLine($"{f.Folder,-50} {f.Passed,5} {f.Failed,5} {f.Skipped,5}{(f.SkipReason is null ? "" : "  skipped: " + f.SkipReason)}");
            if (details)
            {
                foreach (var failure in f.Failures)
                {
                    output.WriteLine("    " + failure);
                }
            }
        }
        output.WriteLine(FormattableString.Invariant($"TCK: {Passed}/{Total} passed ({PassRate:F1}%)"));
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

    public static TckFolderResult RunFolder(string folder)
    {
        var name = Path.GetFileName(folder);
        var tests = Directory.GetFiles(folder, "*-test-*.xml").Order(StringComparer.Ordinal).ToList();
        var failures = new List<string>();
        int passed = 0, failed = 0;
        foreach (var testFile in tests)
        {
            XDocument doc;
            try
            {
                doc = XDocument.Load(testFile, LoadOptions.PreserveWhitespace);
            }
            catch (System.Xml.XmlException e)
            {
                return new TckFolderResult(name, passed, failed, 0, $"{Path.GetFileName(testFile)} is not valid XML: {e.Message}", failures);
            }
            var modelName = doc.Root!.Child("modelName")?.Value.Trim();
            var modelPath = modelName is null ? Directory.GetFiles(folder, "*.dmn").FirstOrDefault() : Path.Combine(folder, modelName);
            var cases = doc.Root!.Children("testCase").ToList();
            if (modelPath is null || !File.Exists(modelPath))
            {
                return new TckFolderResult(name, passed, failed, cases.Count, $"model {modelName} not found", failures);
            }
            DmnModel model;
            try
            {
                model = new DmnModel(XDocument.Load(modelPath, LoadOptions.PreserveWhitespace));
            }
            catch (Exception e) when (e is System.Xml.XmlException or InvalidDataException)
            {
                return new TckFolderResult(name, passed, failed, cases.Count, $"model {Path.GetFileName(modelPath)} can't be read: {e.Message}", failures);
            }
            var evaluator = new DmnEvaluator(model);
            foreach (var testCase in cases)
            {
                string? why;
                try
                {
                    why = RunCase(model, evaluator, testCase);
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
        return new TckFolderResult(name, passed, failed, 0, tests.Count == 0 ? "no test files" : null, failures);
    }

    private static string? RunCase(DmnModel model, DmnEvaluator evaluator, XElement testCase)
    {
        evaluator.Problems.Clear();
        var inputs = evaluator.NewInputs();
        var memo = new Dictionary<string, FeelValue>(StringComparer.Ordinal);
        var raw = new Dictionary<string, FeelValue>(StringComparer.Ordinal);
        foreach (var node in testCase.Children("inputNode"))
        {
            var inputName = node.Attr("name")!;
            var value = TckValues.Read(node);
            raw[inputName] = value;
            if (model.ByName.TryGetValue(inputName, out var element))
            {
                value = evaluator.Coerce(DmnModel.VariableType(element), value);
                if (element.Name.LocalName == "decision")
                {
                    memo[inputName] = value;
                    continue;
                }
            }
            inputs.Set(inputName, value);
        }
        IReadOnlyDictionary<string, FeelValue>? serviceOutputs = null;
        if (testCase.Attr("type") == "decisionService" && testCase.Attr("invocableName") is { } serviceName)
        {
            if (!model.ByName.TryGetValue(serviceName, out var service))
            {
                return $"decision service '{serviceName}' not found";
            }
            serviceOutputs = evaluator.InvokeService(service, raw);
        }
        foreach (var result in testCase.Children("resultNode"))
        {
            var resultName = result.Attr("name")!;
            FeelValue actual;
            if (serviceOutputs is not null)
            {
                actual = serviceOutputs.GetValueOrDefault(resultName, FeelValue.Null);
            }
            else if (model.ByName.TryGetValue(resultName, out var decision) && decision.Name.LocalName == "decision")
            {
                actual = evaluator.EvaluateDecision(decision, inputs, memo);
            }
            else
            {
                return $"decision '{resultName}' not found";
            }
            var expected = result.Child("expected");
            var why = expected is null ? null : TckValues.Mismatch(expected, actual);
            if (why is not null)
            {
                var problems = evaluator.Problems.Count > 0 ? " [" + string.Join("; ", evaluator.Problems.Distinct()) + "]" : "";
                return $"{resultName}: {why}{problems}";
            }
        }
        return null;
    }
}
