using Processes.Engine.Bpmn.Reading;
using Processes.Engine.Bpmn.Validation;

namespace Processes.Engine.Dmn;

/// <summary>
/// The DMN files of one deployment, read together: each file after the files of the deployment it imports (by the
/// namespace of their definitions), so its imports resolve to them; an import the deployment does not hold resolves
/// to <c>outside</c> (the tenant's deployed models). Files that import each other in a cycle are refused.
/// </summary>
internal static class DmnFileSet
{
    /// <param name="outside">Models already deployed, by namespace; null when unknown (the designer's check), and then an
    /// import the deployment does not hold is not checked.</param>
    public static Dictionary<string, DmnReadResult> Read(IReadOnlyList<(string Name, ReadOnlyMemory<byte> Content)> files, BpmnReadOptions options,
        IReadOnlyDictionary<string, DecisionRequirements>? outside)
    {
        var headers = files.ToDictionary(f => f.Name, f => DmnImports.Header(f.Content, options), StringComparer.Ordinal);
        var providers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, header) in headers)
        {
            if (header?.Namespace is { } ns)
            {
                providers.TryAdd(ns, name);
            }
        }
        var results = new Dictionary<string, DmnReadResult>(StringComparer.Ordinal);
        var reading = new List<string>();
        DmnReadResult ReadFile(string name)
        {
            if (results.TryGetValue(name, out var done))
            {
                return done;
            }
            reading.Add(name);
            var extra = new List<ModelProblem>();
            var models = new Dictionary<string, DecisionRequirements>(outside ?? new Dictionary<string, DecisionRequirements>(), StringComparer.Ordinal);
            var checkable = true;
            foreach (var ns in headers[name]?.Imports ?? [])
            {
                if (providers.TryGetValue(ns, out var provider) && provider != name)
                {
                    if (reading.Contains(provider))
                    {
                        extra.Add(new ModelProblem(ProblemSeverity.Error,
                            $"The DMN files import each other in a cycle: {string.Join(" → ", reading.SkipWhile(r => r != provider).Append(provider))}."));
                        continue;
                    }
                    if (ReadFile(provider).Requirements is { } model)
                    {
                        models[ns] = model;
                    }
                    else
                    {
                        extra.Add(new ModelProblem(ProblemSeverity.Error, $"The import of namespace '{ns}' names '{provider}', which has errors of its own."));
                    }
                }
                else if (outside is null)
                {
                    checkable = false;
                }
            }
            var content = files.First(f => f.Name == name).Content;
            var read = DmnReader.Read(content, options, checkable ? models : null);
            if (extra.Count > 0)
            {
                read = new DmnReadResult(null, [.. extra, .. read.Problems]);
            }
            reading.Remove(name);
            return results[name] = read;
        }
        foreach (var (name, _) in files)
        {
            ReadFile(name);
        }
        return results;
    }
}
