using System.Text;
using Dapper;
using Processes.Engine.Deployment;
using Processes.Tests.Storage;

namespace Processes.Tests.Deployment;

/// <summary>.form resources: read at deployment (JSON with a string id), versioned by form id like processes.</summary>
public sealed class FormDeploymentTests : DatabaseTest
{
    private DeploymentService _service = null!;

    [SetUp]
    public void CreateService() => _service = new DeploymentService(DataSource, new ProcessDefinitions(DataSource));

    private static DeploymentResource Form(string name, string json) => new(name, Encoding.UTF8.GetBytes(json));

    private static string Schema(string id, string label = "Notes") =>
        $$"""{"id":"{{id}}","type":"default","components":[{"type":"textfield","key":"notes","label":"{{label}}"}]}""";

    [Test]
    public async Task A_form_gets_version_one_then_a_new_version_only_when_its_content_changed()
    {
        var first = (await _service.DeployAsync([Form("visit.form", Schema("visit"))], CancellationToken.None)).ShouldBeOfType<DeploymentResult.Deployed>();
        var same = (await _service.DeployAsync([Form("visit.form", Schema("visit"))], CancellationToken.None)).ShouldBeOfType<DeploymentResult.Deployed>();
        var changed = (await _service.DeployAsync([Form("visit.form", Schema("visit", "Remarks"))], CancellationToken.None)).ShouldBeOfType<DeploymentResult.Deployed>();

        var v1 = first.Forms.ShouldHaveSingleItem();
        (v1.FormId, v1.Version, v1.IsDuplicate).ShouldBe(("visit", 1, false));
        var again = same.Forms.ShouldHaveSingleItem();
        (again.Version, again.IsDuplicate, again.FormKey).ShouldBe((1, true, v1.FormKey));
        var v2 = changed.Forms.ShouldHaveSingleItem();
        (v2.Version, v2.IsDuplicate).ShouldBe((2, false));
        v2.FormKey.ShouldNotBe(v1.FormKey);

        var latest = (await FormDeployment.LatestAsync(DataSource, "visit", CancellationToken.None)).ShouldNotBeNull();
        latest.Version.ShouldBe(2);
        latest.Schema.ShouldContain("Remarks");
    }

    [TestCase("{\"id\": \"broken\", ", "not valid JSON")]
    [TestCase("{\"components\": []}", "no string 'id'")]
    [TestCase("{\"id\": 7}", "no string 'id'")]
    [TestCase("[1, 2]", "JSON object")]
    public async Task A_form_that_is_not_json_or_has_no_string_id_rejects_the_deployment_naming_the_file(string json, string message)
    {
        await using var connection = await DataSource.OpenConnectionAsync();
        var before = await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM deployment");

        var result = await _service.DeployAsync([Form("bad.form", json), Form("good.form", Schema("good-one"))], CancellationToken.None);

        var problem = result.ShouldBeOfType<DeploymentResult.Rejected>().Errors.ShouldHaveSingleItem();
        problem.ResourceName.ShouldBe("bad.form");
        problem.Problem.Message.ShouldContain(message);
        (await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM deployment")).ShouldBe(before);
    }

    [Test]
    public async Task Two_files_with_one_form_id_in_a_deployment_are_refused()
    {
        var result = await _service.DeployAsync([Form("a.form", Schema("twice")), Form("b.form", Schema("twice", "Other"))], CancellationToken.None);

        var problem = result.ShouldBeOfType<DeploymentResult.Rejected>().Errors.ShouldHaveSingleItem();
        problem.ResourceName.ShouldBe("b.form");
        problem.Problem.Message.ShouldContain("'twice'");
    }
}
