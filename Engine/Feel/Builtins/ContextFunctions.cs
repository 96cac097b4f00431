using Processes.Engine.Feel.Evaluation;
using Processes.Engine.Feel.Values;

namespace Processes.Engine.Feel.Builtins;

internal static partial class BuiltinRegistry
{
    private static void AddContexts(Builder b)
    {
        b.Add("not", ["negand"], (ctx, a) => a[0] is FeelBoolean v ? FeelValue.Of(!v.Value) : FeelValue.Null);
        b.Add("is defined", ["value"], (_, a) => FeelValue.Of(a[0] is not FeelNull));
        b.Add("get value", ["m", "key"], (ctx, a) => a[1] is FeelList keys ? GetPath(ctx, a[0], keys) : ContextGet(ctx, a[0], a[1]));
        b.Add("get entries", ["m"], (ctx, a) => a[0] is FeelContextValue c
            ? new FeelList([.. c.Entries.Select(e => (FeelValue)Entry(e.Key, e.Value))])
            : ctx.TypeError("context", a[0]));
        b.Add("context", ["entries"], (ctx, a) =>
        {
            var l = a[0] as FeelList ?? (a[0] is FeelContextValue ? new FeelList([a[0]]) : null);
            if (l is null)
            {
                return ctx.TypeError("list", a[0]);
            }
            var entries = new List<KeyValuePair<string, FeelValue>>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var item in l.Items)
            {
                if (item is not FeelContextValue e || !e.TryGet("key", out var k) || k is not FeelString key || !e.TryGet("value", out var v))
                {
                    return ctx.Warn("context: each entry needs a string 'key' and a 'value'");
                }
                if (!seen.Add(key.Value))
                {
                    return ctx.Warn($"context: duplicate key '{key.Value}'");
                }
                entries.Add(new(key.Value, v));
            }
            return new FeelContextValue(entries);
        });
        // The list form first: a positional call with a list of keys puts a nested entry; named, the list form's parameter is
        // "keys", and a list given as "key" is no key (TCK 1146 nested008: null).
        b.Add("context put", ["context", "keys", "value"], (ctx, a) =>
            a[0] is not FeelContextValue c ? ctx.TypeError("context", a[0])
            : a[1] is FeelList { Items.Count: > 0 } keys ? PutPath(ctx, c, keys.Items, 0, a[2])
            : a[1] is FeelString positionalKey ? c.With(positionalKey.Value, a[2])
            : ctx.TypeError("non-empty list of keys", a[1]));
        b.Add("context put", ["context", "key", "value"], (ctx, a) =>
            a[0] is not FeelContextValue c ? ctx.TypeError("context", a[0])
            : a[1] is FeelString key ? c.With(key.Value, a[2])
            : ctx.TypeError("string key", a[1]));
        b.AddVariadic("context merge", [], (ctx, a) =>
        {
            var items = a.Length == 1 && a[0] is FeelList l ? l.Items : a;
            var entries = new List<KeyValuePair<string, FeelValue>>();
            foreach (var item in items)
            {
                if (item is not FeelContextValue c)
                {
                    return ctx.TypeError("context", item);
                }
                entries.AddRange(c.Entries);
            }
            return new FeelContextValue(entries);
        });
    }

    private static FeelContextValue Entry(string key, FeelValue value) =>
        new([new("key", new FeelString(key)), new("value", value)]);

    private static FeelValue GetPath(EvalContext ctx, FeelValue context, FeelList keys)
    {
        var current = context;
        foreach (var key in keys.Items)
        {
            current = ContextGet(ctx, current, key);
            if (current is FeelNull)
            {
                return current;
            }
        }
        return current;
    }

    private static FeelValue PutPath(EvalContext ctx, FeelContextValue c, IReadOnlyList<FeelValue> keys, int at, FeelValue value)
    {
        if (keys[at] is not FeelString key)
        {
            return ctx.TypeError("string key", keys[at]);
        }
        if (at == keys.Count - 1)
        {
            return c.With(key.Value, value);
        }
        c.TryGet(key.Value, out var inner);
        if (inner is not FeelContextValue innerContext)
        {
            if (inner is not FeelNull)
            {
                return ctx.TypeError("context", inner);
            }
            innerContext = FeelContextValue.Empty;
        }
        var updated = PutPath(ctx, innerContext, keys, at + 1, value);
        return updated is FeelNull ? updated : c.With(key.Value, updated);
    }
}
