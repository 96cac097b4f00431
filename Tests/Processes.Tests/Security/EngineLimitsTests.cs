using Tasks = System.Threading.Tasks.Task;
using System.Text.Json.Nodes;
using Processes.Engine.Execution;
using Processes.Engine.Jobs;
using Processes.Tests.Jobs;
using static Processes.Tests.Execution.Models;

namespace Processes.Tests.Security;

/// <summary>
/// Issue 21: the variable limits hold in the engine, not only at the HTTP door — for embedded callers, for job
/// handlers whose result comes from outside (an HTTP response), and for values the model itself computes. A
/// command over a limit is refused naming the variable and the limit; a job's oversized result is an incident,
/// not a job that runs again forever; what PostgreSQL cannot store (NUL, lone surrogates) never reaches it.
/// </summary>
public sealed class EngineLimitsTests : LoopTest
{
    private static string OneTask(string id, string type, string extensions = "") =>
        Process(id, $"{Start()}{Task("task", type, extensions)}{End()}{Flows("start->task->end")}");

    [Test]
    public async Task A_start_over_the_limits_is_refused_naming_the_variable_and_the_limit()
    {
        await DeployAsync(OneTask("limits_start", "limits-start"));

        var big = await Engine.CreateInstanceAsync("limits_start", null, new JsonObject { ["big"] = new string('x', 1_100_000) }, null, CancellationToken.None);
        big.Error.ShouldBe(CommandError.InvalidArgument);
        big.Message!.ShouldContain("variables.big");
        big.Message!.ShouldContain("MaxVariableBytes");

        var many = new JsonObject();
        for (var i = 0; i < 1001; i++)
        {
            many[$"v{i}"] = i;
        }
        var count = await Engine.CreateInstanceAsync("limits_start", null, many, null, CancellationToken.None);
        count.Error.ShouldBe(CommandError.InvalidArgument);
        count.Message!.ShouldContain("MaxVariableCount");

        var total = new JsonObject();
        for (var i = 0; i < 5; i++)
        {
            total[$"part{i}"] = new string('y', 900_000);
        }
        var sum = await Engine.CreateInstanceAsync("limits_start", null, total, null, CancellationToken.None);
        sum.Error.ShouldBe(CommandError.InvalidArgument);
        sum.Message!.ShouldContain("MaxVariablesBytes");

        var name = await Engine.CreateInstanceAsync("limits_start", null, new JsonObject { [new string('n', 300)] = 1 }, null, CancellationToken.None);
        name.Error.ShouldBe(CommandError.InvalidArgument);
        name.Message!.ShouldContain("MaxVariableNameLength");

        (await ScalarAsync<long>("SELECT count(*) FROM process_instance WHERE bpmn_process_id = 'limits_start'")).ShouldBe(0, "nothing refused was started");
    }

    [Test]
    public async Task Text_postgresql_cannot_store_is_refused_before_it_reaches_the_database()
    {
        await DeployAsync(OneTask("limits_nul", "limits-nul"));

        var nulValue = await Engine.CreateInstanceAsync("limits_nul", null, new JsonObject { ["note"] = "a\0b" }, null, CancellationToken.None);
        nulValue.Error.ShouldBe(CommandError.InvalidArgument);
        nulValue.Message!.ShouldContain("variables.note");
        var nulName = await Engine.CreateInstanceAsync("limits_nul", null, new JsonObject { ["no\0te"] = 1 }, null, CancellationToken.None);
        nulName.Error.ShouldBe(CommandError.InvalidArgument);
        nulName.Message!.ShouldContain("no\\u0000te");
        // A name is text as it is; a value is JSON text, whose writer already replaces a lone surrogate.
        var surrogate = await Engine.CreateInstanceAsync("limits_nul", null, new JsonObject { ["s\ud800"] = 1 }, null, CancellationToken.None);
        surrogate.Error.ShouldBe(CommandError.InvalidArgument);
        surrogate.Message!.ShouldContain("lone surrogate");

        // An escaped backslash before "u0000" is ordinary text, and a surrogate pair (an emoji) is a character.
        var key = await StartAsync("limits_nul", new JsonObject { ["path"] = "C:\\u0000\\dir", ["smile"] = "\ud83d\ude00" });
        (await VariablesAsync(key))["path"]!.GetValue<string>().ShouldBe("C:\\u0000\\dir");
    }

    [Test]
    public async Task Job_completion_messages_signals_and_set_variables_are_held_to_the_limits_too()
    {
        await DeployAsync(OneTask("limits_paths", "limits-paths"));
        var key = await StartOnClockAsync("limits_paths");
        var job = (await ActivateAsync("limits-paths")).ShouldHaveSingleItem();
        var huge = new JsonObject { ["body"] = new string('z', 2_000_000) };

        (await Engine.CompleteJobAsync(job.Key, huge.DeepClone().AsObject(), CancellationToken.None)).Error.ShouldBe(CommandError.InvalidArgument);
        (await Engine.FailJobAsync(job.Key, 1, "x", TimeSpan.Zero, huge.DeepClone().AsObject(), CancellationToken.None)).Error.ShouldBe(CommandError.InvalidArgument);
        (await Engine.ThrowJobErrorAsync(job.Key, "E", null, huge.DeepClone().AsObject(), CancellationToken.None)).Error.ShouldBe(CommandError.InvalidArgument);
        (await Engine.SetVariablesAsync(key, huge.DeepClone().AsObject(), false, CancellationToken.None)).Error.ShouldBe(CommandError.InvalidArgument);
        (await Engine.PublishMessageAsync("m", "k", huge.DeepClone().AsObject(), TimeSpan.FromMinutes(1), null, CancellationToken.None)).Error
            .ShouldBe(CommandError.InvalidArgument);
        (await Engine.CorrelateMessageAsync("m", "k", huge.DeepClone().AsObject(), CancellationToken.None)).Error.ShouldBe(CommandError.InvalidArgument);
        (await Engine.BroadcastSignalAsync("s", huge.DeepClone().AsObject(), CancellationToken.None)).Error.ShouldBe(CommandError.InvalidArgument);

        (await Engine.CompleteJobAsync(job.Key, new JsonObject { ["small"] = 1 }, CancellationToken.None)).Ok.ShouldBeTrue("the job was left as it was");
        (await StateAsync(key)).ShouldBe("COMPLETED");
    }

    [Test]
    public async Task A_value_the_model_computes_over_the_limit_refuses_the_command()
    {
        // Each input fits; the output mapping puts them in one list past the 1 MB a variable may hold.
        var outputs = Io(outputs: Output("=[half, half, half]", "joined"));
        await DeployAsync(OneTask("limits_computed", "limits-computed", outputs));
        var key = await StartOnClockAsync("limits_computed", new JsonObject { ["half"] = new string('h', 400_000) });
        var job = (await ActivateAsync("limits-computed")).ShouldHaveSingleItem();

        var result = await Engine.CompleteJobAsync(job.Key, null, CancellationToken.None);

        result.Error.ShouldBe(CommandError.InvalidArgument);
        result.Message!.ShouldContain("variables.joined");
        (await ActiveElementsAsync(key)).ShouldBe(["task"], "the refused completion changed nothing");
    }

    [Test]
    public async Task A_job_handler_whose_result_is_over_the_limit_ends_in_an_incident_naming_it()
    {
        await DeployAsync(OneTask("limits_handler", "limits-handler"));
        var handler = new DelegateJobHandler("limits-handler", (_, _) =>
            Tasks.FromResult(JobOutcome.Complete(new JsonObject { ["responseBody"] = new string('r', 3_000_000) })));
        var executor = new JobExecutor(Engine, new JobHandlerRegistry([handler]), FastExecutor("node-limits"));
        Run(executor.RunAsync);

        var key = await StartOnClockAsync("limits_handler");

        await UntilAsync(async () => (await IncidentsAsync(key)).Count == 1, because: "the refused result becomes the job's incident");
        var incident = (await IncidentsAsync(key)).ShouldHaveSingleItem();
        incident.ElementId.ShouldBe("task");
        incident.Message!.ShouldContain("variables.responseBody");
        incident.Message!.ShouldContain("MaxVariableBytes");
        executor.Invocations.ShouldBe(1, "the job does not run again by itself");
        (await ScalarAsync<string>("SELECT state FROM job WHERE process_instance_key = @key", new { key })).ShouldBe("FAILED");
    }
}
