using Processes.Engine.Storage;

namespace Processes.Tests.Architecture;

/// <summary>The typed states map one to one onto the text the tables hold (the migrations' comments list it).</summary>
public sealed class StoredStatesTests
{
    [Test]
    public void States_are_stored_as_the_tables_spell_them()
    {
        Enum.GetValues<UserTaskState>().Select(s => s.ToStored()).ShouldBe(["CREATED", "COMPLETED", "CANCELED"]);
        Enum.GetValues<ProcessInstanceState>().Select(s => s.ToStored()).ShouldBe(["ACTIVE", "COMPLETED", "TERMINATED"]);
        Enum.GetValues<JobState>().Select(s => s.ToStored()).ShouldBe(["ACTIVATABLE", "ACTIVATED", "FAILED"]);
        Enum.GetValues<IncidentState>().Select(s => s.ToStored()).ShouldBe(["ACTIVE", "RESOLVED"]);
    }

    [Test]
    public void Stored_text_reads_back_and_unknown_text_is_refused()
    {
        foreach (var state in Enum.GetValues<JobState>())
        {
            StoredStates.Parse<JobState>(state.ToStored()).ShouldBe(state);
        }
        Should.Throw<InvalidOperationException>(() => StoredStates.Parse<JobState>("RUNNING")).Message.ShouldContain("RUNNING");
        Should.Throw<InvalidOperationException>(() => StoredStates.Parse<IncidentState>("7"));
    }
}
