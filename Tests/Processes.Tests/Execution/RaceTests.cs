using Processes.Engine.Execution;
using static Processes.Tests.Execution.Models;

namespace Processes.Tests.Execution;

/// <summary>Commands racing on one instance: the optimistic check lets exactly one of them take effect.</summary>
public sealed class RaceTests : EngineTest
{
    [Test]
    public async Task Two_concurrent_completions_of_one_job_advance_the_instance_once()
    {
        await DeployAsync(Process("race-job", Start() + Task("work", "race-job-work") + Task("next", "race-job-next") + End() +
            Flows("start->work->next->end")));
        for (var round = 0; round < 10; round++)
        {
            var key = await StartAsync("race-job");
            var job = (await ActivateAsync("race-job-work")).ShouldHaveSingleItem();

            var results = await System.Threading.Tasks.Task.WhenAll(
                System.Threading.Tasks.Task.Run(() => Engine.CompleteJobAsync(job.Key, Vars("""{"by": 1}"""), CancellationToken.None)),
                System.Threading.Tasks.Task.Run(() => Engine.CompleteJobAsync(job.Key, Vars("""{"by": 2}"""), CancellationToken.None)));

            results.Count(r => r.Ok).ShouldBe(1, $"round {round}");
            results.Single(r => !r.Ok).Error.ShouldBeOneOf(CommandError.NotFound, CommandError.Conflict);
            (await HistoryAsync(key)).Count(e => e == "work").ShouldBe(1);
            (await ActiveElementsAsync(key)).ShouldBe(["next"]);
            (await CountAsync("SELECT count(*) FROM job WHERE process_instance_key = @key AND element_id = 'next'", new { key })).ShouldBe(1);
            await CompleteJobsAsync("race-job-next");
        }
    }

    [Test]
    public async Task A_message_and_a_timer_racing_on_an_event_based_gateway_take_exactly_one_path()
    {
        await DeployAsync(Process("race-ebg", Start() + Gateway("eventBasedGateway", "gw") +
            Catch("paid", MessageDef("m")) + TimerCatch("timeout", "PT1M") + End("byMessage") + End("byTimer") +
            Flows("start->gw", "gw->paid->byMessage", "gw->timeout->byTimer"),
            MessageWithKey("m", "race-ebg-paid", "=id")));
        var keys = new List<long>();
        for (var i = 0; i < 20; i++)
        {
            keys.Add(await StartAsync("race-ebg", Vars($$"""{"id": "r{{i}}"}""")));
        }
        Clock.Advance(TimeSpan.FromMinutes(1));

        await System.Threading.Tasks.Task.WhenAll(keys.Select(async (key, i) =>
        {
            var timer = (await TimersAsync(key)).ShouldHaveSingleItem();
            await System.Threading.Tasks.Task.WhenAll(
                System.Threading.Tasks.Task.Run(() => PublishAsync("race-ebg-paid", $"r{i}")),
                System.Threading.Tasks.Task.Run(() => Engine.TriggerTimerAsync(timer.Key, CancellationToken.None)));
        }));

        foreach (var key in keys)
        {
            (await StateAsync(key)).ShouldBe("COMPLETED");
            var history = await HistoryAsync(key);
            (history.Count(e => e is "byMessage" or "byTimer")).ShouldBe(1, string.Join(", ", history));
            (history.Count(e => e is "paid" or "timeout")).ShouldBe(1, string.Join(", ", history));
            (await MessageSubscriptionsAsync(key)).ShouldBeEmpty();
            (await TimersAsync(key)).ShouldBeEmpty();
        }
    }

    [Test]
    public async Task Two_concurrent_completions_of_one_user_task_complete_it_once()
    {
        await DeployAsync(Process("race-task", Start() + UserTask("review") + Task("next", "race-task-next") + End() + Flows("start->review->next->end")));
        for (var round = 0; round < 10; round++)
        {
            var key = await StartAsync("race-task");
            var task = (await OpenTasksAsync(key)).ShouldHaveSingleItem();

            var results = await System.Threading.Tasks.Task.WhenAll(
                System.Threading.Tasks.Task.Run(() => Engine.CompleteUserTaskAsync(task.Key, null, task.Version, null, CancellationToken.None)),
                System.Threading.Tasks.Task.Run(() => Engine.CompleteUserTaskAsync(task.Key, null, task.Version, null, CancellationToken.None)));

            results.Count(r => r.Ok).ShouldBe(1, $"round {round}");
            (await HistoryAsync(key, "TASK_COMPLETED")).Count.ShouldBe(1);
            (await HistoryAsync(key)).Count(e => e == "review").ShouldBe(1);
            (await ActiveElementsAsync(key)).ShouldBe(["next"]);
            await CompleteJobsAsync("race-task-next");
        }
    }

    [Test]
    public async Task Concurrent_completions_on_parallel_branches_fire_the_join_once_the_loser_retrying_after_its_version_conflict()
    {
        await DeployAsync(Process("race-join", Start() + Gateway("parallelGateway", "fork") + Task("a", "race-join-a") + Task("b", "race-join-b") +
            Gateway("parallelGateway", "join") + Task("after", "race-join-after") + End() +
            Flows("start->fork->a->join", "fork->b->join", "join->after->end")));
        for (var round = 0; round < 5; round++)
        {
            var key = await StartAsync("race-join");
            var a = (await ActivateAsync("race-join-a")).ShouldHaveSingleItem();
            var b = (await ActivateAsync("race-join-b")).ShouldHaveSingleItem();
            var retriedBefore = Engine.Conflicts.Retried;

            // Both commands read the same row version and then queue on the instance row, so one of them must lose.
            var results = await InLockstepAsync(key, 2,
                () => Engine.CompleteJobAsync(a.Key, null, CancellationToken.None),
                () => Engine.CompleteJobAsync(b.Key, null, CancellationToken.None));

            results.ShouldAllBe(r => r.Ok, $"round {round}: {string.Join("; ", results.Select(r => r.Message))}");
            (Engine.Conflicts.Retried - retriedBefore).ShouldBeGreaterThanOrEqualTo(1, $"round {round}: the loser re-ran after its conflict");
            (await ActiveElementsAsync(key)).ShouldBe(["after"]);
            (await HistoryAsync(key)).Count(e => e == "join").ShouldBe(1);
            await CompleteJobsAsync("race-join-after");
        }
    }

    [Test]
    public async Task A_command_that_keeps_losing_its_race_gives_up_and_reports_the_conflict()
    {
        await DeployAsync(Process("race-limit", Start() + Task("work", "race-limit-work") + End() + Flows("start->work->end")));
        var key = await StartAsync("race-limit");
        var job = (await ActivateAsync("race-limit-work")).ShouldHaveSingleItem();
        // Stands in for a writer that commits first every time: each write of this instance's row fails as PostgreSQL
        // fails a transaction that lost a serialization race.
        await ExecuteAsync($$"""
            CREATE FUNCTION always_lose() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF OLD.key = {{key}} THEN RAISE EXCEPTION 'another writer won' USING ERRCODE = 'serialization_failure'; END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER always_lose BEFORE UPDATE ON process_instance FOR EACH ROW EXECUTE FUNCTION always_lose();
            """);
        var (retriedBefore, reportedBefore) = (Engine.Conflicts.Retried, Engine.Conflicts.Reported);
        try
        {
            var result = await Engine.CompleteJobAsync(job.Key, null, CancellationToken.None);

            result.Error.ShouldBe(CommandError.Conflict, result.Message);
            (Engine.Conflicts.Retried - retriedBefore).ShouldBe(4, "five attempts: four re-runs");
            (Engine.Conflicts.Reported - reportedBefore).ShouldBe(1);
            (await HistoryAsync(key, "JOB_COMPLETED")).ShouldBeEmpty("no attempt committed anything");
            (await ActiveElementsAsync(key)).ShouldBe(["work"]);
        }
        finally
        {
            await ExecuteAsync("DROP TRIGGER always_lose ON process_instance; DROP FUNCTION always_lose()");
        }
        (await Engine.CompleteJobAsync(job.Key, null, CancellationToken.None)).Ok.ShouldBeTrue("the same command passes once nobody wins over it");
        (await StateAsync(key)).ShouldBe("COMPLETED");
    }

    /// <summary>
    /// Runs commands while the test holds the instance row, waits until <paramref name="waiters"/> of them queue for it
    /// (PostgreSQL's lock waits are the signal), then lets them go: they all read one row version before any wrote.
    /// </summary>
    private async Task<CommandResult<T>[]> InLockstepAsync<T>(long key, int waiters, params Func<Task<CommandResult<T>>>[] commands)
    {
        await using var holder = await DataSource.OpenConnectionAsync();
        await using var transaction = await holder.BeginTransactionAsync();
        await using (var hold = new Npgsql.NpgsqlCommand("SELECT 1 FROM process_instance WHERE key = @key FOR UPDATE", holder, transaction))
        {
            hold.Parameters.AddWithValue("key", key);
            await hold.ExecuteNonQueryAsync();
        }
        var running = commands.Select(c => System.Threading.Tasks.Task.Run(c)).ToArray();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (await CountAsync("""
            SELECT count(*) FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%UPDATE process_instance SET row_version%'
            """) < waiters)
        {
            watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(60), "hang guard: the commands never queued for the row");
            await System.Threading.Tasks.Task.Delay(10);
        }
        await transaction.RollbackAsync();
        return await System.Threading.Tasks.Task.WhenAll(running);
    }

    private async System.Threading.Tasks.Task ExecuteAsync(string sql)
    {
        await using var connection = await DataSource.OpenConnectionAsync();
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    [Test]
    public async Task A_message_published_while_its_subscription_is_being_opened_always_meets_it()
    {
        await DeployAsync(Process("race-buffer", Start() + Task("first", "race-buffer-first") + MessageCatch("wait", "m") + End() +
            Flows("start->first->wait->end"), MessageWithKey("m", "race-buffer-msg", "=ref")));
        for (var round = 0; round < 10; round++)
        {
            var key = await StartAsync("race-buffer", Vars($$"""{"ref": "b{{round}}"}"""));
            var job = (await ActivateAsync("race-buffer-first")).ShouldHaveSingleItem();

            var (published, completed) = (System.Threading.Tasks.Task.Run(() => PublishAsync("race-buffer-msg", $"b{round}", null, TimeSpan.FromMinutes(5))),
                System.Threading.Tasks.Task.Run(() => Engine.CompleteJobAsync(job.Key, null, CancellationToken.None)));
            (await published).Ok.ShouldBeTrue();
            (await completed).Ok.ShouldBeTrue();

            (await StateAsync(key)).ShouldBe("COMPLETED", $"round {round}");
        }
    }

    [Test]
    public async Task Concurrent_publishes_with_one_message_id_buffer_it_once()
    {
        for (var round = 0; round < 5; round++)
        {
            var results = await System.Threading.Tasks.Task.WhenAll(Enumerable.Range(0, 3).Select(_ =>
                System.Threading.Tasks.Task.Run(() => PublishAsync("race-dedup", "k", null, TimeSpan.FromHours(1), $"id-{round}"))));

            results.Count(r => r.Ok).ShouldBe(1, string.Join("; ", results.Select(r => r.Message)));
            results.Where(r => !r.Ok).ShouldAllBe(r => r.Error == CommandError.AlreadyExists);
        }
    }

    [Test]
    public async Task Cancelling_while_a_job_completes_leaves_the_instance_terminated_and_clean()
    {
        await DeployAsync(Process("race-cancel", Start() + Task("work", "race-cancel-work") + Task("next", "race-cancel-next") + End() +
            Flows("start->work->next->end")));
        for (var round = 0; round < 10; round++)
        {
            var key = await StartAsync("race-cancel");
            var job = (await ActivateAsync("race-cancel-work")).ShouldHaveSingleItem();

            var (cancelled, completed) = (System.Threading.Tasks.Task.Run(() => Engine.CancelInstanceAsync(key, CancellationToken.None)),
                System.Threading.Tasks.Task.Run(() => Engine.CompleteJobAsync(job.Key, null, CancellationToken.None)));
            (await cancelled).Ok.ShouldBeTrue();
            var completion = await completed;
            if (!completion.Ok)
            {
                completion.Error.ShouldBe(CommandError.NotFound);
            }

            (await StateAsync(key)).ShouldBe("TERMINATED");
            (await ActiveElementsAsync(key)).ShouldBeEmpty();
            (await CountAsync("SELECT count(*) FROM job WHERE process_instance_key = @key", new { key })).ShouldBe(0);
        }
    }

    [Test]
    public async Task A_reassignment_racing_a_completion_by_the_previous_assignee_lets_exactly_one_through()
    {
        await DeployAsync(Process("race-assign", Start() +
            UserTask("review", "<zeebe:assignmentDefinition assignee=\"ann\" />") + End() + Flows("start->review->end")));
        for (var round = 0; round < 20; round++)
        {
            var key = await StartAsync("race-assign");
            var task = (await OpenTasksAsync(key)).ShouldHaveSingleItem();

            var (assigned, completed) = (System.Threading.Tasks.Task.Run(() => Engine.AssignUserTaskAsync(task.Key, "bob", task.Version, "lead", null, CancellationToken.None)),
                System.Threading.Tasks.Task.Run(() => Engine.CompleteUserTaskAsync(task.Key, null, task.Version, "ann", CancellationToken.None)));

            var results = new[] { (await assigned).Ok, (await completed).Ok };
            results.Count(ok => ok).ShouldBe(1, $"round {round}: a completion from a stale view of the task must not pass a reassignment");
        }
    }

    [Test]
    public async Task Concurrent_starts_with_one_business_key_create_one_instance_and_refuse_the_others()
    {
        await DeployAsync(Process("race-bk", Start() + Task("work", "race-bk-work") + End() + Flows("start->work->end")));
        for (var round = 0; round < 5; round++)
        {
            var results = await System.Threading.Tasks.Task.WhenAll(Enumerable.Range(0, 3).Select(_ => System.Threading.Tasks.Task.Run(() =>
                Engine.CreateInstanceAsync("race-bk", null, null, $"order-{round}", CancellationToken.None))));

            results.Count(r => r.Ok).ShouldBe(1);
            results.Where(r => !r.Ok).ShouldAllBe(r => r.Error == CommandError.AlreadyExists);
        }
    }
}
