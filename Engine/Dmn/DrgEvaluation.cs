using Processes.Engine.Dmn.Boxed;
using Processes.Engine.Feel.Evaluation;
using Processes.Engine.Feel.Values;

namespace Processes.Engine.Dmn;

/// <summary>
/// One evaluation over a DRG: decision results so far (each decision once), the functions decisions see (business
/// knowledge models and decision services, by name), and the type violations met on the way.
/// </summary>
internal sealed class DrgEvaluation
{
    private readonly DecisionRequirements _drg;
    private readonly FeelContext _inputs;
    private readonly DateTimeOffset _now;
    private readonly BoxedEvaluator _boxed;
    private readonly FeelContext _functions = new();
    private readonly List<KeyValuePair<string, FeelValue>> _functionList = [];
    private readonly Dictionary<string, string> _inputViolations = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (DrgEvaluation Evaluation, List<KeyValuePair<string, FeelValue>> Entries)> _imports = new(StringComparer.Ordinal);

    public DrgEvaluation(DecisionRequirements drg, FeelContext variables, DateTimeOffset now, IReadOnlyDictionary<string, FeelValue>? supplied)
    {
        _drg = drg;
        _now = now;
        _boxed = new BoxedEvaluator(drg.Parts.Types);
        // Input data take their declared type (DMN 1.5 §7.3.4): a value that doesn't conform is null.
        _inputs = new FeelContext(variables);
        foreach (var input in drg.Parts.InputData.Where(i => i.TypeRef is not null))
        {
            if (variables.TryLookup(input.Name, out var value))
            {
                var conformed = drg.Parts.Types.Coerce(input.TypeRef, value);
                _inputs.Set(input.Name, conformed);
                if (conformed is FeelNull && value is not FeelNull)
                {
                    // Reported by the decisions that require this input, so an unused variable never fails one.
                    _inputViolations[input.Id] =
                        $"input data '{input.Name}' ({EvalContext.Describe(value)}) does not conform to its type '{input.TypeRef}', so it is null";
                }
            }
        }
        foreach (var bkm in drg.Parts.KnowledgeModels)
        {
            _functions.Set(bkm.Name, bkm.Logic is null ? FeelValue.Null : _boxed.MakeFunction(bkm.Logic, _functions, drg.Parts.Types.FunctionOutput(bkm.TypeRef)));
        }
        foreach (var service in drg.Parts.Services)
        {
            _functions.Set(service.Name, ServiceFunction(service));
        }
        foreach (var name in drg.Parts.KnowledgeModels.Select(k => k.Name).Concat(drg.Parts.Services.Select(s => s.Name)))
        {
            _functions.TryLookup(name, out var function);
            _functionList.Add(new(name, function));
        }
        foreach (var (name, model) in drg.Imported)
        {
            // An imported model's input data are the caller's under the import's name (DMN 1.5 §6.3.3: "import.Input").
            var given = variables.TryLookup(name, out var v) && v is FeelContextValue c ? c : FeelContextValue.Empty;
            var imported = new DrgEvaluation(model, FeelContext.FromValues(given.Entries), now, null);
            _imports[name] = (imported, [.. given.Entries, .. imported._functionList]);
        }
        foreach (var (id, value) in supplied ?? new Dictionary<string, FeelValue>())
        {
            Results[id] = drg.Find(id) is { } decision ? drg.Parts.Types.Coerce(decision.TypeRef, value) : value;
        }
    }

    public Dictionary<string, FeelValue> Results { get; } = new(StringComparer.Ordinal);

    /// <summary>A business knowledge model or decision service of the DRG as a function, by name.</summary>
    public FeelFunction? Function(string name) => _functions.TryLookup(name, out var f) ? f as FeelFunction : null;

    public List<EvaluatedDecision> Evaluated { get; } = [];

    public List<(string DecisionId, string Message)> Violations { get; } = [];

    public (string DecisionId, string Message)? Evaluate(ExecutableDecision decision, int depth)
    {
        if (Results.ContainsKey(decision.Id))
        {
            return null;
        }
        if (depth > _drg.Decisions.Length)
        {
            // Deployment rejects cycles; this guards a graph built by hand.
            return (decision.Id, $"decision '{decision.Id}' requires itself through its required decisions");
        }
        foreach (var inputId in decision.RequiredInputs)
        {
            if (_inputViolations.Remove(inputId, out var message))
            {
                Violations.Add((decision.Id, $"decision '{decision.Id}': {message}"));
            }
        }
        var scope = FeelContext.FromValues(_functionList, _inputs);
        if (EvaluateImported(decision, depth, scope) is { } importFailure)
        {
            return importFailure;
        }
        foreach (var requiredId in decision.RequiredDecisions)
        {
            if (_drg.Find(requiredId) is not { } required)
            {
                return (decision.Id, $"decision '{decision.Id}' requires decision '{requiredId}', which is not in the same file");
            }
            if (Evaluate(required, depth + 1) is { } failed)
            {
                return failed;
            }
            scope.Set(required.Id, Results[required.Id]);
            if (required.Name is { } name && name != required.Id)
            {
                scope.Set(name, Results[required.Id]);
            }
        }
        FeelValue value;
        switch (decision.Logic)
        {
            case DecisionTable table:
                var result = DecisionTableEvaluator.Evaluate(table, scope, DecisionEvaluator.Limits, _now, _drg.Parts.Types);
                if (result.Failure is { } message)
                {
                    return (decision.Id, $"decision '{decision.Id}': {message}");
                }
                if (result.Violation is { } violation)
                {
                    Violations.Add((decision.Id, $"decision '{decision.Id}': {violation}"));
                }
                Evaluated.Add(new EvaluatedDecision(decision, result.Value, result.Inputs, result.Matched));
                value = result.Value;
                break;
            case LiteralExpressionLogic literal:
                var evaluation = literal.Expression.Run(scope, DecisionEvaluator.Limits, _now);
                if (evaluation.Aborted)
                {
                    return (decision.Id, $"decision '{decision.Id}': the literal expression could not be evaluated: {evaluation.Failure}");
                }
                Evaluated.Add(new EvaluatedDecision(decision, evaluation.Value, [], []));
                value = evaluation.Value;
                break;
            case BoxedLogic boxed:
                var ctx = new EvalContext(scope, DecisionEvaluator.Limits, _now);
                value = _boxed.Evaluate(boxed.Expression, scope, ctx);
                if (ctx.Failure is { } failure)
                {
                    return (decision.Id, $"decision '{decision.Id}': the decision logic could not be evaluated: {failure}");
                }
                Evaluated.Add(new EvaluatedDecision(decision, value, [], []));
                break;
            default:
                return (decision.Id, $"decision '{decision.Id}' has no decision logic the engine evaluates");
        }
        var conformed = _drg.Parts.Types.Coerce(decision.TypeRef, value);
        if (conformed is FeelNull && value is not FeelNull)
        {
            Violations.Add((decision.Id, $"decision '{decision.Id}': its value ({EvalContext.Describe(value)}) does not conform to its type '{decision.TypeRef}', so it is null"));
        }
        Results[decision.Id] = conformed;
        return null;
    }

    /// <summary>
    /// Each import as a context in the scope: the caller's values for its input data, its business knowledge models and
    /// decision services, and the values of its decisions this one requires (evaluated there, by name and id).
    /// </summary>
    private (string DecisionId, string Message)? EvaluateImported(ExecutableDecision decision, int depth, FeelContext scope)
    {
        foreach (var (name, (evaluation, entries)) in _imports)
        {
            foreach (var required in decision.ImportedRequirements.Where(r => r.ImportName == name))
            {
                if (evaluation._drg.Find(required.DecisionId) is not { } imported)
                {
                    return (decision.Id, $"decision '{decision.Id}' requires decision '{required.DecisionId}', which is not in the model imported as '{name}'");
                }
                if (evaluation.Evaluate(imported, depth + 1) is { } failed)
                {
                    return (decision.Id, $"decision '{decision.Id}': imported decision '{name}.{imported.Name ?? imported.Id}' failed: {failed.Message}");
                }
                Violations.AddRange(evaluation.Violations.Select(v => (decision.Id, v.Message)));
                evaluation.Violations.Clear();
                entries.Add(new(imported.Id, evaluation.Results[imported.Id]));
                if (imported.Name is { } importedName && importedName != imported.Id)
                {
                    entries.Add(new(importedName, evaluation.Results[imported.Id]));
                }
            }
            scope.Set(name, new FeelContextValue(entries));
        }
        return null;
    }

    /// <summary>A decision service as a function: parameters are its input data, then its input decisions (DMN 1.5 §6.3.10).</summary>
    private FeelFunction ServiceFunction(DecisionService service)
    {
        var types = service.InputData.Select(id => _drg.Parts.InputData.FirstOrDefault(i => i.Id == id)?.TypeRef)
            .Concat(service.InputDecisions.Select(id => _drg.Find(id)?.TypeRef)).ToArray();
        var names = service.InputData.Select(id => _drg.Parts.InputData.FirstOrDefault(i => i.Id == id)?.Name ?? id)
            .Concat(service.InputDecisions.Select(id => _drg.Find(id) is { } d ? d.Name ?? d.Id : id)).ToArray();
        // Every parameter is required: invoking a service without one of them is an error (TCK 0085, case 008).
        return FeelFunction.Create(service.Name, names, (ctx, args) =>
        {
            for (var i = 0; i < args.Length && i < types.Length; i++)
            {
                if (_drg.Parts.Types.Rejects(types[i], args[i]))
                {
                    return ctx.Warn($"decision service '{service.Name}': argument '{names[i]}' ({EvalContext.Describe(args[i])}) does not conform to type '{types[i]}'");
                }
            }
            var arguments = names.Select((n, i) => new KeyValuePair<string, FeelValue>(n, i < args.Length ? args[i] : FeelValue.Null)).ToDictionary(StringComparer.Ordinal);
            var result = DecisionEvaluator.InvokeService(_drg, service, arguments, ctx.Now);
            if (result.Failure is { } failure && result.Outputs.Values.All(v => v is FeelNull))
            {
                return ctx.Warn(failure);
            }
            return result.Value;
        });
    }
}
