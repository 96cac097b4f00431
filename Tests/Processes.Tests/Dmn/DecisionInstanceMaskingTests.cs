using System.Text;
using System.Text.Json.Nodes;
using Processes.Engine.Deployment;
using Processes.Engine.Execution;
using Processes.Engine.Queries;
using Processes.Engine.Visibility;
using Processes.Tests.Execution;

namespace Processes.Tests.Dmn;

/// <summary>
/// A decision instance's inputs are the case's variables under another name: a caller who sees a sensitive variable
/// masked sees the decision's input read from it masked too (by the variable path of the input expression, the
/// input's id or label), and sensitive properties inside any input or output value; a caller with an unmasked role sees them.
/// </summary>
public sealed class DecisionInstanceMaskingTests : EngineTest
{
    [Test]
    public async Task Inputs_read_from_sensitive_variables_are_masked_for_callers_who_see_variables_masked()
    {
        var dmn = DmnText.File(DmnText.Table("mask-route", "FIRST", ["customer.phone", "region"], ["route"],
            [["-", "\"north\"", "\"desk-a\""], ["-", "-", "\"desk-b\""]]), id: "mask-route-drg");
        var deployed = await new DeploymentService(DataSource, Definitions).DeployAsync(
            [new DeploymentResource("mask-route.dmn", Encoding.UTF8.GetBytes(dmn))], CancellationToken.None);
        deployed.ShouldBeOfType<DeploymentResult.Deployed>(deployed.ToString());
        // Through the facade, as the API evaluates: it records the decision instances.
        var evaluated = await ((IProcessEngine)Engine).EvaluateDecisionAsync("mask-route", null,
            Vars("""{"customer":{"phone":"+33 6 12 34 56 78","name":"Ada"},"region":"north"}"""), CancellationToken.None);
        evaluated.Ok.ShouldBeTrue(evaluated.Message);

        // Operators see every decision; here only admins see the sensitive values unmasked.
        var queries = new DecisionInstanceQueries(DataSource, new VariableMasking(["phone"], [CallerRole.Admin]));
        var query = Query.Where(new FieldCondition("decisionDefinitionId", FilterOperator.Eq, "mask-route"));
        var operatorCaller = new Caller("op", new HashSet<CallerRole> { CallerRole.Operator }, []);

        var masked = (await queries.SearchAsync(operatorCaller, query, CancellationToken.None)).Items.ShouldHaveSingleItem();
        var inputs = JsonNode.Parse(masked.Inputs)!.AsArray();
        inputs[0]!["inputValue"]!.GetValue<string>().ShouldBe("\"***\"");
        inputs[1]!["inputValue"]!.GetValue<string>().ShouldBe("\"north\"");
        masked.Inputs.ShouldNotContain("12 34");

        var clear = (await queries.SearchAsync(Caller.System, query, CancellationToken.None)).Items.ShouldHaveSingleItem();
        // The stored JSON text may escape characters ("\u002B"): compared as the value it holds.
        JsonNode.Parse(JsonNode.Parse(clear.Inputs)!.AsArray()[0]!["inputValue"]!.GetValue<string>())!.GetValue<string>().ShouldBe("+33 6 12 34 56 78");
    }
}
