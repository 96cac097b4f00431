using System.Text;
using Dapper;
using Processes.Engine.Bpmn.Executable;
using Processes.Engine.Deployment;
using Processes.Tests.Bpmn;
using Processes.Tests.Storage;

namespace Processes.Tests.Deployment;

public sealed class DeploymentServiceTests : DatabaseTest
{
    private ProcessDefinitions _definitions = null!;
    private DeploymentService _service = null!;

    [SetUp]
    public void CreateService()
    {
        _definitions = new ProcessDefinitions(DataSource);
        _service = new DeploymentService(DataSource, _definitions);
    }

    private static DeploymentResource Bpmn(string name, string xml) => new(name, Encoding.UTF8.GetBytes(xml));

    /// <summary>A valid one-task process with the given id; <paramref name="label"/> changes the content only.</summary>
    private static string Model(string processId, string label = "Work") => BpmnText.Around(
        $"<bpmn:serviceTask id=\"x\" name=\"{label}\"><bpmn:extensionElements><zeebe:taskDefinition type=\"work\" /></bpmn:extensionElements></bpmn:serviceTask>")
        .Replace("id=\"p\"", $"id=\"{processId}\"", StringComparison.Ordinal);

    private async Task<DeploymentResult.Deployed> DeployAsync(params DeploymentResource[] resources)
    {
        var result = await _service.DeployAsync(resources, CancellationToken.None);
        return result.ShouldBeOfType<DeploymentResult.Deployed>(result.ToString());
    }

    [Test]
    public async Task First_deployment_creates_version_one_with_keys()
    {
        var deployed = await DeployAsync(Bpmn("order.bpmn", Model("order")));

        var process = deployed.Processes.ShouldHaveSingleItem();
        process.BpmnProcessId.ShouldBe("order");
        process.Version.ShouldBe(1);
        process.IsDuplicate.ShouldBeFalse();
        process.ResourceName.ShouldBe("order.bpmn");
        process.ProcessDefinitionKey.ShouldBeGreaterThan(0);
        deployed.DeploymentKey.ShouldNotBe(process.ProcessDefinitionKey);
    }

    [Test]
    public async Task Definition_keys_never_meet_the_keys_the_engine_hands_out()
    {
        // Sixty resources: more than the 51 keys that once lay between the definitions' sequence and the engine's.
        var definitionKeys = new HashSet<long>();
        for (var i = 0; i < 60; i++)
        {
            var deployed = await DeployAsync(Bpmn($"many-{i}.bpmn", Model($"many-{i}")));
            definitionKeys.Add(deployed.DeploymentKey);
            definitionKeys.Add(deployed.Processes.ShouldHaveSingleItem().ProcessDefinitionKey);
        }
        var engineKeys = new Processes.Engine.Execution.KeyGenerator(DataSource);
        var handedOut = Enumerable.Range(0, 500).Select(_ => engineKeys.Next()).ToList();

        handedOut.Where(definitionKeys.Contains).ShouldBeEmpty("an instance, job or task key must not name a deployment or definition too");
        definitionKeys.Count.ShouldBe(120, "every deployment and definition has a key of its own");
    }

    [Test]
    public async Task Redeploying_identical_content_returns_the_existing_version()
    {
        var first = await DeployAsync(Bpmn("same.bpmn", Model("same")));
        var second = await DeployAsync(Bpmn("same.bpmn", Model("same")));

        var again = second.Processes.ShouldHaveSingleItem();
        again.IsDuplicate.ShouldBeTrue();
        again.Version.ShouldBe(1);
        again.ProcessDefinitionKey.ShouldBe(first.Processes[0].ProcessDefinitionKey);
        (await _definitions.ListVersionsAsync("same", CancellationToken.None)).Count.ShouldBe(1);
    }

    [Test]
    public async Task Changed_content_creates_version_two_and_version_one_stays_fetchable()
    {
        await DeployAsync(Bpmn("label.bpmn", Model("label", "Old label")));
        var second = await DeployAsync(Bpmn("label.bpmn", Model("label", "New label")));

        second.Processes[0].Version.ShouldBe(2);
        second.Processes[0].IsDuplicate.ShouldBeFalse();
        var v1 = (await _definitions.FindXmlAsync("label", 1, CancellationToken.None)).ShouldNotBeNull();
        v1.Text().ShouldContain("Old label");
        var latest = (await _definitions.FindXmlAsync("label", null, CancellationToken.None)).ShouldNotBeNull();
        latest.Definition.Version.ShouldBe(2);
        latest.Text().ShouldContain("New label");
        (await _definitions.ListVersionsAsync("label", CancellationToken.None)).Select(d => d.Version).ShouldBe([1, 2]);
    }

    [Test]
    public async Task Going_back_to_old_content_is_a_new_version()
    {
        await DeployAsync(Bpmn("back.bpmn", Model("back", "A")));
        await DeployAsync(Bpmn("back.bpmn", Model("back", "B")));
        var third = await DeployAsync(Bpmn("back.bpmn", Model("back", "A")));

        third.Processes[0].Version.ShouldBe(3);
    }

    [Test]
    public async Task Invalid_file_is_rejected_with_resource_name_and_nothing_is_stored()
    {
        var broken = BpmnText.Around("<bpmn:serviceTask id=\"x\" />").Replace("id=\"p\"", "id=\"broken\"", StringComparison.Ordinal);

        var result = await _service.DeployAsync([Bpmn("good.bpmn", Model("goodButRejected")), Bpmn("broken.bpmn", broken)], CancellationToken.None);

        var rejected = result.ShouldBeOfType<DeploymentResult.Rejected>();
        var error = rejected.Errors.ShouldHaveSingleItem();
        error.ResourceName.ShouldBe("broken.bpmn");
        error.Problem.ElementId.ShouldBe("x");
        error.Problem.ElementType.ShouldBe("serviceTask");
        error.Problem.Line.ShouldNotBeNull();
        rejected.Describe().ShouldContain("'broken.bpmn':\n  - Error serviceTask 'x' (line ");
        (await _definitions.ListVersionsAsync("goodButRejected", CancellationToken.None)).ShouldBeEmpty();
        await using var connection = await DataSource.OpenConnectionAsync();
        (await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM deployment_resource WHERE resource_name = 'good.bpmn'")).ShouldBe(0);
    }

    [Test]
    public async Task File_with_several_processes_deploys_all_of_them()
    {
        var xml = $"""
            <bpmn:definitions {BpmnText.Namespaces} id="defs">
              <bpmn:process id="multiA" isExecutable="true"><bpmn:startEvent id="a" /></bpmn:process>
              <bpmn:process id="multiB" isExecutable="true"><bpmn:startEvent id="b" /></bpmn:process>
            </bpmn:definitions>
            """;

        var deployed = await DeployAsync(Bpmn("multi.bpmn", xml), new DeploymentResource("form.form", Encoding.UTF8.GetBytes("{\"id\":\"multi-form\",\"components\":[]}")));

        deployed.Processes.Select(p => (p.BpmnProcessId, p.Version)).ShouldBe([("multiA", 1), ("multiB", 1)]);
        (await _definitions.ListLatestAsync(CancellationToken.None)).Select(d => d.BpmnProcessId).ShouldContain("multiB");
    }

    [Test]
    public async Task Same_process_id_in_two_resources_is_rejected()
    {
        var result = await _service.DeployAsync([Bpmn("one.bpmn", Model("twice")), Bpmn("two.bpmn", Model("twice"))], CancellationToken.None);

        result.ShouldBeOfType<DeploymentResult.Rejected>().Errors.ShouldHaveSingleItem().Problem.Message.ShouldContain("also defined in 'one.bpmn'");
    }

    [Test]
    public async Task Concurrent_deployments_of_one_process_id_get_distinct_versions()
    {
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            Task.Run(() => _service.DeployAsync([Bpmn("race.bpmn", Model("race", $"Label {i}"))], CancellationToken.None))));

        results.ShouldAllBe(r => r is DeploymentResult.Deployed);
        var versions = (await _definitions.ListVersionsAsync("race", CancellationToken.None)).Select(d => d.Version).ToList();
        versions.ShouldBe([1, 2, 3, 4, 5, 6, 7, 8]);
    }

    [Test]
    public async Task Executable_model_is_served_by_definition_key_and_cached()
    {
        var deployed = await DeployAsync(Bpmn("model.bpmn", Model("model")));
        var key = deployed.Processes[0].ProcessDefinitionKey;

        var fromDeployment = await _definitions.GetExecutableAsync(key, CancellationToken.None);
        var fresh = new ProcessDefinitions(DataSource);
        var loaded = (await fresh.GetExecutableAsync(key, CancellationToken.None)).ShouldNotBeNull();

        fromDeployment.ShouldNotBeNull().Id.ShouldBe("model");
        loaded.Node<ExecutableActivity>("x").Job!.Type.Text.ShouldBe("work");
        (await fresh.GetExecutableAsync(key, CancellationToken.None)).ShouldBeSameAs(loaded);
        (await fresh.GetExecutableAsync(-1, CancellationToken.None)).ShouldBeNull();
        (await fresh.FindAsync(key, CancellationToken.None)).ShouldNotBeNull().DeploymentKey.ShouldBe(deployed.DeploymentKey);
    }

    [Test]
    public async Task Every_shared_sample_deploys_and_redeploying_creates_no_new_version()
    {
        var dir = BpmnSamples.Directory();
        if (dir is null)
        {
            BpmnSamples.Missing();
        }
        // Two samples are the same demo process under different names; deploy them separately, as their owners would.
        foreach (var file in Directory.GetFiles(dir, "*.bpmn").Order())
        {
            var resource = new DeploymentResource(Path.GetFileName(file), File.ReadAllBytes(file));
            var first = await DeployAsync(resource);
            var again = await DeployAsync(resource);

            first.Processes.ShouldNotBeEmpty();
            again.Processes.ShouldAllBe(p => p.IsDuplicate);
            again.Processes.Select(p => p.Version).ShouldBe(first.Processes.Select(p => p.Version));
            foreach (var process in first.Processes)
            {
                (await _definitions.GetExecutableAsync(process.ProcessDefinitionKey, CancellationToken.None)).ShouldNotBeNull();
            }
        }
    }

    [Test]
    public async Task Relabelled_sample_becomes_version_two_and_version_one_keeps_its_original_bytes()
    {
        var original = BpmnSamples.Read("async-service-task");
        if (original is null)
        {
            BpmnSamples.Missing();
        }
        // The sample's process id is shared with no other sample; a fresh id keeps this test independent anyway.
        var text = Encoding.UTF8.GetString(original).Replace("AsyncServiceTaskProcess", "relabelledSample", StringComparison.Ordinal);
        var v1Bytes = Encoding.UTF8.GetBytes(text);
        var v2Bytes = Encoding.UTF8.GetBytes(text.Replace("name=\"Execute async service task\"", "name=\"Run the job\"", StringComparison.Ordinal));
        v2Bytes.Length.ShouldNotBe(v1Bytes.Length);

        var first = await DeployAsync(new DeploymentResource("async.bpmn", v1Bytes));
        var second = await DeployAsync(new DeploymentResource("async.bpmn", v2Bytes));

        first.Processes[0].Version.ShouldBe(1);
        second.Processes[0].Version.ShouldBe(2);
        var v1 = (await _definitions.FindXmlAsync("relabelledSample", 1, CancellationToken.None)).ShouldNotBeNull();
        v1.Content.ShouldBe(v1Bytes);
        var model1 = (await new ProcessDefinitions(DataSource).GetExecutableAsync(first.Processes[0].ProcessDefinitionKey, CancellationToken.None))!;
        var model2 = (await new ProcessDefinitions(DataSource).GetExecutableAsync(second.Processes[0].ProcessDefinitionKey, CancellationToken.None))!;
        model1.GetFlowNode("ExecuteAsyncServiceTaskTask").Name.ShouldBe("Execute async service task");
        model2.GetFlowNode("ExecuteAsyncServiceTaskTask").Name.ShouldBe("Run the job");
    }

    [Test]
    public async Task Empty_deployment_and_unnamed_resource_are_rejected()
    {
        (await _service.DeployAsync([], CancellationToken.None)).ShouldBeOfType<DeploymentResult.Rejected>();
        (await _service.DeployAsync([Bpmn(" ", Model("noName"))], CancellationToken.None)).ShouldBeOfType<DeploymentResult.Rejected>()
            .Errors.ShouldHaveSingleItem().Problem.Message.ShouldContain("no name");
    }
}
