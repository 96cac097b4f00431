using Processes.Engine.Bpmn.Executable;
using Processes.Engine.Deployment;
using Processes.Engine.Execution;
using Processes.Engine.Feel;
using Processes.Engine.Feel.Evaluation;

namespace Processes.Engine.Queries;

/// <summary>
/// What people call a case: the model's <c>title</c> extension property on the process (FEEL over the case's
/// variables, e.g. <c>="Demand " + demandId</c>), else the business key, else null (the page shows the key).
/// The title is evaluated over the variables as the caller sees them, masked, so it never shows what the caller may
/// not see; a title that does not evaluate to text falls back rather than failing the page.
/// </summary>
public sealed class CaseTitles(ProcessDefinitions definitions, TimeProvider clock)
{
    public const string TitleProperty = "title";
    private const int MaxLength = 200;

    private readonly Expressions _expressions = new(new FeelExpressionCache(), clock);

    public async Task<string?> TitleAsync(CaseView view, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(view);
        if (await definitions.GetExecutableAsync(view.Instance.ProcessDefinitionKey, cancellationToken) is { } model
            && model.Properties.TryGetValue(TitleProperty, out var raw) && !string.IsNullOrWhiteSpace(raw))
        {
            var text = _expressions.String(ModelExpression.Parse(raw), FeelContext.FromJson(view.Variables));
            if (text.Ok && !string.IsNullOrWhiteSpace(text.Value))
            {
                return text.Value.Length > MaxLength ? text.Value[..MaxLength] : text.Value;
            }
        }
        return string.IsNullOrWhiteSpace(view.Instance.BusinessKey) ? null : view.Instance.BusinessKey;
    }
}
