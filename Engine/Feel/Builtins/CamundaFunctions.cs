using System.Text;
using Processes.Engine.Feel.Values;

namespace Processes.Engine.Feel.Builtins;

/// <summary>Functions Camunda 8 adds to the DMN library, so models written for it evaluate the same way here.</summary>
internal static partial class BuiltinRegistry
{
    private static void AddCamundaExtensions(Builder b)
    {
        b.Add("get or else", ["value", "default"], (_, a) => a[0] is FeelNull ? a[1] : a[0]);
        b.Add("assert", ["value", "condition", "cause?"], (ctx, a) =>
        {
            if (a[1] is FeelBoolean { Value: true })
            {
                return a[0];
            }
            // assert() is the one way an expression asks to fail rather than yield null.
            ctx.Abort(Arg(a, 2) is FeelString cause ? cause.Value : "assertion failed");
            return FeelValue.Null;
        });
        b.Add("is blank", ["string"], (ctx, a) => Str(ctx, a[0], out var s) ? FeelValue.Of(string.IsNullOrWhiteSpace(s)) : FeelValue.Null);
        b.Add("uuid", [], (_, _) => new FeelString(Guid.NewGuid().ToString()));
        b.Add("to base64", ["value"], (ctx, a) =>
            Str(ctx, a[0], out var s) ? new FeelString(Convert.ToBase64String(Encoding.UTF8.GetBytes(s))) : FeelValue.Null);
        // Camunda 7 era names, still accepted by Camunda 8: put(context, key, value) and put all(contexts).
        b.Add("put", ["context", "key", "value"], (ctx, a) =>
            a[0] is FeelContextValue c && a[1] is FeelString key ? c.With(key.Value, a[2]) : ctx.Warn("put: expected a context and a string key"));
        b.AddVariadic("put all", [], (ctx, a) => TryGet("context merge", out var merge) ? merge.Overloads[0].Body(ctx, a) : FeelValue.Null);
        b.Add("partition", ["list", "size"], (ctx, a) =>
        {
            if (a[0] is not FeelList l || !Int(ctx, a[1], out var size) || size <= 0)
            {
                return ctx.Warn("partition: expected a list and a positive size");
            }
            return new FeelList([.. l.Items.Chunk(size).Select(chunk => (FeelValue)new FeelList(chunk))]);
        });
    }
}
