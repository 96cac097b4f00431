using Processes.Engine.Queries;
using Processes.Engine.Visibility;
using static Processes.Tests.Execution.Models;

namespace Processes.Tests.Execution;

/// <summary>
/// A non-interrupting subscription receives a message again and again: each correlation is a row with the same
/// subscription key, and paging with cursors visits every one of them once, forwards and backwards.
/// </summary>
public sealed class CorrelatedSubscriptionPagingTests : EngineTest
{
    [Test]
    public async Task Every_repeat_of_a_non_interrupting_subscription_is_paged_once()
    {
        await DeployAsync(Process("csp-repeat", Start() + UserTask("wait") +
            Boundary("ping", "wait", MessageDef("csp-msg"), interrupting: false) + End() + End("pinged") + Flows("start->wait->end", "ping->pinged"),
            MessageWithKey("csp-msg", "csp-ping", "=orderId")));
        var key = await StartAsync("csp-repeat", Vars("""{"orderId":"CSP-1"}"""));
        for (var i = 0; i < 3; i++)
        {
            (await Engine.CorrelateMessageAsync("csp-ping", "CSP-1", null, CancellationToken.None)).Ok.ShouldBeTrue();
        }
        var queries = new CorrelatedSubscriptionQueries(DataSource);
        var query = Query.Where(new FieldCondition("processInstanceKey", FilterOperator.Eq, key));
        var all = (await queries.SearchAsync(Caller.System, query, CancellationToken.None)).Items;
        all.Count.ShouldBe(3);
        all.Select(r => r.SubscriptionKey).Distinct().ShouldHaveSingleItem();

        var seen = new List<long>();
        string? after = null;
        for (var page = 0; page < 5; page++)
        {
            var result = await queries.SearchAsync(Caller.System, query with { Page = new PageRequest(1, After: after) }, CancellationToken.None);
            if (result.Items.Count == 0)
            {
                break;
            }
            seen.AddRange(result.Items.Select(r => r.MessageKey));
            after = result.EndCursor;
        }
        seen.ShouldBe(all.Select(r => r.MessageKey).ToList(), "each message once, in order");

        var last = await queries.SearchAsync(Caller.System, query with { Page = new PageRequest(1, After: null) }, CancellationToken.None);
        var second = await queries.SearchAsync(Caller.System, query with { Page = new PageRequest(1, After: last.EndCursor) }, CancellationToken.None);
        var back = await queries.SearchAsync(Caller.System, query with { Page = new PageRequest(1, Before: second.StartCursor) }, CancellationToken.None);
        back.Items.ShouldHaveSingleItem().MessageKey.ShouldBe(all[0].MessageKey);
    }
}
