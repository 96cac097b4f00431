using System.Text;
using System.Text.Json.Nodes;
using Processes.Engine.Deployment;
using Processes.Engine.Dmn;
using Processes.Engine.Feel.Evaluation;
using Processes.Tests.Storage;

namespace Processes.Tests.Dmn;

/// <summary>
/// DMN imports (DMN 1.5 §6.3.3): "the qualified name of an element named E that is defined in an imported model is
/// I.E, where I is the name of the import". A deployment resolves an import by the imported definitions' namespace,
/// to a file of the same deployment or to the tenant's latest deployed model with that namespace.
/// </summary>
public sealed class DmnImportTests : DatabaseTest
{
    private const string ImportType = "https://www.omg.org/spec/DMN/20191111/MODEL/";

    private static string Model(string id, string ns, string body, string imports = "") =>
        $"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<definitions xmlns=\"{DmnText.Namespace}\" id=\"{id}\" name=\"{id}\" namespace=\"{ns}\">\n{imports}\n{body}\n</definitions>";

    private static string Import(string name, string ns, string type = ImportType) => $"<import name=\"{name}\" namespace=\"{ns}\" importType=\"{type}\"/>";

    /// <summary>A model with an item definition, an input data, a decision on it and a BKM; all names have spaces.</summary>
    private static string Library(string id, string ns) => Model(id, ns,
        "<itemDefinition name=\"tGrade\"><typeRef>string</typeRef><allowedValues><text>\"gold\",\"silver\"</text></allowedValues></itemDefinition>\n" +
        "<inputData id=\"in-points\" name=\"Loyalty points\"><variable name=\"Loyalty points\" typeRef=\"number\"/></inputData>\n" +
        "<decision id=\"grade\" name=\"Customer grade\"><variable name=\"Customer grade\" typeRef=\"tGrade\"/>" +
        "<informationRequirement><requiredInput href=\"#in-points\"/></informationRequirement>" +
        "<literalExpression><text>if Loyalty points &gt;= 1000 then \"gold\" else \"silver\"</text></literalExpression></decision>\n" +
        "<businessKnowledgeModel id=\"fee\" name=\"Service fee\"><encapsulatedLogic><formalParameter name=\"amount\" typeRef=\"number\"/>" +
        "<literalExpression><text>amount * 0.1</text></literalExpression></encapsulatedLogic></businessKnowledgeModel>");

    private static string Importer(string id, string libraryNs, string importName = "lib") => Model(id, "urn:test:" + id,
        "<decision id=\"offer\" name=\"Offer\">" +
        $"<informationRequirement><requiredDecision href=\"{libraryNs}#grade\"/></informationRequirement>" +
        $"<literalExpression><text>{{grade: {importName}.Customer grade, fee: {importName}.Service fee(price)}}</text></literalExpression></decision>\n" +
        $"<decision id=\"typed\" name=\"Typed\"><variable name=\"Typed\" typeRef=\"{importName}.tGrade\"/><literalExpression><text>label</text></literalExpression></decision>",
        Import(importName, libraryNs));

    private static FeelContext Variables(string json) => FeelContext.FromJson(JsonNode.Parse(json)!.AsObject());

    private static DecisionRequirements ReadBoth(string ns, out DecisionRequirements library)
    {
        library = DmnReader.Read(Library("lib-drg", ns)).Requirements!;
        var read = DmnReader.Read(Importer("imp-drg", ns), models: new Dictionary<string, DecisionRequirements> { [ns] = library });
        read.Errors.ShouldBeEmpty();
        return read.Requirements!;
    }

    [Test]
    public void An_imported_decision_and_business_knowledge_model_are_used_with_the_import_name_as_prefix()
    {
        var drg = ReadBoth("urn:lib:a", out _);

        var result = DecisionEvaluator.Evaluate(drg, drg.Find("offer")!, Variables("""{"price": 50, "lib": {"Loyalty points": 1500}}"""), DateTimeOffset.UtcNow);

        result.Failure.ShouldBeNull();
        DmnText.Json(result).ShouldBe("""{"grade":"gold","fee":5}""");
    }

    [Test]
    public void An_imported_item_definition_types_a_decision_as_import_dot_type()
    {
        var drg = ReadBoth("urn:lib:b", out _);

        DecisionEvaluator.Evaluate(drg, drg.Find("typed")!, Variables("""{"label": "gold"}"""), DateTimeOffset.UtcNow).Failure.ShouldBeNull();
        var bronze = DecisionEvaluator.Evaluate(drg, drg.Find("typed")!, Variables("""{"label": "bronze"}"""), DateTimeOffset.UtcNow);
        bronze.Output.ToString().ShouldBe("null");
        bronze.Failure.ShouldNotBeNull().ShouldContain("lib.tGrade");
    }

    [Test]
    public void An_import_whose_namespace_names_no_model_is_an_error_naming_the_namespace()
    {
        var read = DmnReader.Read(Importer("imp-drg", "urn:nowhere"), models: new Dictionary<string, DecisionRequirements>());

        read.Requirements.ShouldBeNull();
        var error = read.Errors.ShouldHaveSingleItem();
        error.Message.ShouldContain("'urn:nowhere'");
        (error.ElementId, error.ElementType, error.Line).ShouldBe(("lib", "import", 3));
    }

    [Test]
    public void A_required_decision_missing_from_the_imported_model_is_an_error()
    {
        var library = DmnReader.Read(Library("lib-drg", "urn:lib:c")).Requirements!;
        var xml = Importer("imp-drg", "urn:lib:c").Replace("urn:lib:c#grade", "urn:lib:c#no-such", StringComparison.Ordinal);

        var read = DmnReader.Read(xml, models: new Dictionary<string, DecisionRequirements> { ["urn:lib:c"] = library });

        read.Errors.ShouldHaveSingleItem().Message.ShouldContain("'no-such' is not in the model imported as 'lib'");
    }

    [Test]
    public void An_import_of_another_type_than_DMN_is_ignored_with_a_warning()
    {
        var xml = Model("xsd-drg", "urn:test:xsd", DmnText.Literal("d", "1"), Import("types", "urn:schema", "http://www.w3.org/2001/XMLSchema"));

        var read = DmnReader.Read(xml, models: new Dictionary<string, DecisionRequirements>());

        read.Errors.ShouldBeEmpty();
        read.Problems.ShouldHaveSingleItem().Message.ShouldContain("only DMN models are imported");
        read.Requirements!.Imports.ShouldBeEmpty();
    }

    private DeploymentService Service() => new(DataSource, new ProcessDefinitions(DataSource));

    private static DeploymentResource Resource(string name, string xml) => new(name, Encoding.UTF8.GetBytes(xml));

    private async Task<string> EvaluateStoredAsync(string decisionId, string json, string tenant = Engine.Visibility.TenantIds.Default)
    {
        var decisions = new DecisionDefinitions(DataSource);
        var stored = await decisions.FindLatestAsync(decisionId, CancellationToken.None, tenant);
        var graph = await decisions.GetGraphAsync(stored!, CancellationToken.None);
        var result = DecisionEvaluator.Evaluate(graph.Model, graph.Model.Find(decisionId)!, Variables(json), DateTimeOffset.UtcNow);
        result.Failure.ShouldBeNull();
        return DmnText.Json(result);
    }

    [Test]
    public async Task An_import_resolves_to_a_file_of_the_same_deployment_whatever_their_order()
    {
        var result = await Service().DeployAsync(
            [Resource("offer.dmn", Importer("dep-offer", "urn:lib:d")), Resource("library.dmn", Library("dep-lib", "urn:lib:d"))], CancellationToken.None);

        var deployed = result.ShouldBeOfType<DeploymentResult.Deployed>(result.ToString());
        deployed.DecisionRequirements.Select(d => d.DecisionRequirementsId).ShouldBe(["dep-lib", "dep-offer"]);
        (await EvaluateStoredAsync("offer", """{"price": 10, "lib": {"Loyalty points": 3}}""")).ShouldBe("""{"grade":"silver","fee":1}""");
    }

    [Test]
    public async Task An_import_resolves_to_the_tenants_latest_deployed_model_and_stays_bound_to_that_version()
    {
        var service = Service();
        (await service.DeployAsync([Resource("library.dmn", Library("ten-lib", "urn:lib:e"))], CancellationToken.None, "imports-t1"))
            .ShouldBeOfType<DeploymentResult.Deployed>();
        (await service.DeployAsync([Resource("offer.dmn", Importer("ten-offer", "urn:lib:e"))], CancellationToken.None, "imports-t1"))
            .ShouldBeOfType<DeploymentResult.Deployed>();
        // A new library version changes no deployed importer: it evaluates against the version it was deployed with.
        var changed = Library("ten-lib", "urn:lib:e").Replace("amount * 0.1", "amount * 0.2", StringComparison.Ordinal);
        (await service.DeployAsync([Resource("library.dmn", changed)], CancellationToken.None, "imports-t1")).ShouldBeOfType<DeploymentResult.Deployed>();

        (await EvaluateStoredAsync("offer", """{"price": 10, "lib": {"Loyalty points": 3}}""", "imports-t1")).ShouldBe("""{"grade":"silver","fee":1}""");
        // Deployed again unchanged, the importer now binds the new library version: a new version of its own.
        var again = (await service.DeployAsync([Resource("offer.dmn", Importer("ten-offer", "urn:lib:e"))], CancellationToken.None, "imports-t1"))
            .ShouldBeOfType<DeploymentResult.Deployed>();
        again.DecisionRequirements.ShouldHaveSingleItem().Version.ShouldBe(2);
        (await EvaluateStoredAsync("offer", """{"price": 10, "lib": {"Loyalty points": 3}}""", "imports-t1")).ShouldBe("""{"grade":"silver","fee":2}""");
    }

    [Test]
    public async Task A_missing_import_refuses_the_deployment_naming_the_namespace_and_the_file()
    {
        var service = Service();
        // Deployed in another tenant only: imports never cross tenants.
        await service.DeployAsync([Resource("library.dmn", Library("other-lib", "urn:lib:f"))], CancellationToken.None, "imports-other");

        var result = await service.DeployAsync([Resource("offer.dmn", Importer("miss-offer", "urn:lib:f"))], CancellationToken.None, "imports-t2");

        var problem = result.ShouldBeOfType<DeploymentResult.Rejected>().Problems.Where(p => p.Problem.IsError).ShouldHaveSingleItem();
        problem.ResourceName.ShouldBe("offer.dmn");
        problem.Problem.Message.ShouldContain("'urn:lib:f'");
    }

    [Test]
    public async Task Files_that_import_each_other_are_refused()
    {
        var a = Model("cyc-a", "urn:cyc:a", DmnText.Literal("cyc-a1", "1"), Import("b", "urn:cyc:b"));
        var b = Model("cyc-b", "urn:cyc:b", DmnText.Literal("cyc-b1", "2"), Import("a", "urn:cyc:a"));

        var result = await Service().DeployAsync([Resource("a.dmn", a), Resource("b.dmn", b)], CancellationToken.None);

        result.ShouldBeOfType<DeploymentResult.Rejected>().Problems.ShouldContain(p => p.Problem.Message.Contains("import each other in a cycle"));
    }
}
