using System.Xml.Linq;

namespace Processes.Tck;

/// <summary>Namespace-agnostic element access: the TCK mixes DMN namespaces and prefixes.</summary>
internal static class Xml
{
    public static XElement? Child(this XElement e, string localName) =>
        e.Elements().FirstOrDefault(x => x.Name.LocalName == localName);

    public static IEnumerable<XElement> Children(this XElement e, string localName) =>
        e.Elements().Where(x => x.Name.LocalName == localName);

    public static string? Attr(this XElement e, string localName) =>
        e.Attributes().FirstOrDefault(a => a.Name.LocalName == localName)?.Value;

    /// <summary>"#id" or "model.dmn#id" references point at the id after '#'.</summary>
    public static string Href(this XElement e) => (e.Attr("href") ?? "").Split('#').Last();

    public static bool IsNil(this XElement e) =>
        e.Attributes().Any(a => a.Name.LocalName == "nil" && a.Value == "true");
}
