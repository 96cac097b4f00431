using Processes.Engine.Calendars;
using Processes.Engine.Visibility;
using Processes.Tests.Storage;
using static Processes.Tests.Calendars.TestCalendars;

namespace Processes.Tests.Calendars;

public sealed class CalendarStoreTests : DatabaseTest
{
    private CalendarStore Store => new(DataSource);

    private static CancellationToken None => CancellationToken.None;

    [Test]
    public async Task A_calendar_round_trips_and_builds_to_the_same_arithmetic()
    {
        var definition = CnSupportDefinition with { Name = "round-trip" };
        (await Store.SaveAsync(TenantIds.Default, definition, null, None)).ShouldBe(new CalendarSaveResult(CalendarSaveStatus.Saved, 1, []), new SaveResultComparer());

        var stored = (await Store.GetAsync(TenantIds.Default, "round-trip", None)).ShouldNotBeNull();
        stored.Version.ShouldBe(1);
        stored.UpdatedAt.ShouldBe(DateTimeOffset.UtcNow, TimeSpan.FromMinutes(1));
        CalendarJson.Serialize(stored.Definition).ShouldBe(CalendarJson.Serialize(definition));
        var calendar = stored.Build().Calendar.ShouldNotBeNull();
        calendar.AddWorkingTime(Cn(9, 30, 17), TimeSpan.FromHours(2)).Instant.ShouldBe(Cn(10, 8, 10));
        (await Store.GetAsync(TenantIds.Default, "no-such-calendar", None)).ShouldBeNull();
    }

    [Test]
    public async Task A_stale_update_is_a_conflict_naming_the_current_version()
    {
        var definition = CnSupportDefinition with { Name = "versioned" };
        (await Store.SaveAsync(TenantIds.Default, definition, null, None)).Version.ShouldBe(1);
        var renamedHoliday = definition with { Holidays = [new CalendarHoliday("2026-10-01", "Guoqing")] };
        var first = await Store.SaveAsync(TenantIds.Default, renamedHoliday, expectedVersion: 1, None);
        first.Status.ShouldBe(CalendarSaveStatus.Saved);
        first.Version.ShouldBe(2);

        var stale = await Store.SaveAsync(TenantIds.Default, definition, expectedVersion: 1, None);
        stale.Status.ShouldBe(CalendarSaveStatus.Conflict);
        stale.Version.ShouldBe(2);
        (await Store.GetAsync(TenantIds.Default, "versioned", None))!.Definition.Holidays.ShouldHaveSingleItem().Name.ShouldBe("Guoqing");

        var duplicateCreate = await Store.SaveAsync(TenantIds.Default, definition, null, None);
        duplicateCreate.Status.ShouldBe(CalendarSaveStatus.Conflict);
        duplicateCreate.Version.ShouldBe(2);

        var updateOfMissing = await Store.SaveAsync(TenantIds.Default, definition with { Name = "never-created" }, expectedVersion: 1, None);
        updateOfMissing.Status.ShouldBe(CalendarSaveStatus.Conflict);
        updateOfMissing.Version.ShouldBeNull();
    }

    [Test]
    public async Task An_invalid_definition_is_not_written()
    {
        var result = await Store.SaveAsync(TenantIds.Default, CnSupportDefinition with { Name = "broken", TimeZone = "Mars/Olympus" }, null, None);
        result.Status.ShouldBe(CalendarSaveStatus.Invalid);
        result.Problems.ShouldHaveSingleItem().Field.ShouldBe("timeZone");
        (await Store.GetAsync(TenantIds.Default, "broken", None)).ShouldBeNull();
    }

    [Test]
    public async Task Calendars_are_listed_by_name_and_deleted_with_a_version_check()
    {
        await Store.SaveAsync(TenantIds.Default, CnSupportDefinition with { Name = "list-b" }, null, None);
        await Store.SaveAsync(TenantIds.Default, CnSupportDefinition with { Name = "list-a", TimeZone = "Europe/Berlin" }, null, None);
        var names = (await Store.ListAsync(TenantIds.Default, None)).Select(c => c.Definition.Name).Where(n => n.StartsWith("list-", StringComparison.Ordinal));
        names.ShouldBe(["list-a", "list-b"]);

        (await Store.DeleteAsync(TenantIds.Default, "list-a", expectedVersion: 7, None)).ShouldBe(CalendarDeleteStatus.Conflict);
        (await Store.DeleteAsync(TenantIds.Default, "list-a", expectedVersion: 1, None)).ShouldBe(CalendarDeleteStatus.Deleted);
        (await Store.DeleteAsync(TenantIds.Default, "list-a", null, None)).ShouldBe(CalendarDeleteStatus.NotFound);
        (await Store.DeleteAsync(TenantIds.Default, "list-b", null, None)).ShouldBe(CalendarDeleteStatus.Deleted);
    }

    private sealed class SaveResultComparer : IEqualityComparer<CalendarSaveResult>
    {
        public bool Equals(CalendarSaveResult? x, CalendarSaveResult? y) =>
            x?.Status == y?.Status && x?.Version == y?.Version && x?.Problems.Count == y?.Problems.Count;

        public int GetHashCode(CalendarSaveResult obj) => HashCode.Combine(obj.Status, obj.Version);
    }
}
