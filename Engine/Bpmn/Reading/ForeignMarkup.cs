using System.Text;
using System.Xml;
using Processes.Engine.Bpmn.Validation;

namespace Processes.Engine.Bpmn.Reading;

/// <summary>
/// Deployed models travel back to browsers (the designer, the XML endpoints, downloads), and a browser that opens an
/// XML file runs the XHTML and SVG script inside it. The engine ignores extension content it does not know, so
/// without this check a model could carry a script past validation (the pen-test's stored XSS). Deployment
/// therefore refuses the markup that only a browser acts on; each refusal names the rule it broke.
/// </summary>
internal static class ForeignMarkup
{
    public const string XhtmlNamespace = "http://www.w3.org/1999/xhtml";

    public const string XhtmlRule = "no-xhtml";
    public const string ScriptRule = "no-script";
    public const string EventHandlerRule = "no-event-handlers";
    public const string JavaScriptUrlRule = "no-javascript-urls";
    public const string StylesheetRule = "no-xml-stylesheet";

    // The namespaces of the standards and modelers that write BPMN and DMN (OMG's model, DI, DC; Camunda's and
    // bpmn.io's extensions). Their elements mean nothing to a browser; everything else is foreign and checked closely.
    private static readonly string[] ModelNamespacePrefixes =
    [
        "http://www.omg.org/spec/", "https://www.omg.org/spec/", "http://camunda.org/schema/", "http://bpmn.io/schema/",
    ];

    /// <summary>Whether a file whose root is in this namespace is a model at all (an HTML page is refused by its root instead).</summary>
    public static bool IsModelNamespace(string ns) =>
        Array.Exists(ModelNamespacePrefixes, prefix => ns.StartsWith(prefix, StringComparison.Ordinal));

    /// <summary>
    /// Checks the element the reader is on (the reader stays there). <paramref name="enclosing"/>, the nearest
    /// enclosing element with an id, tells the designer where in the model to look.
    /// </summary>
    public static void CheckElement(XmlReader reader, IXmlLineInfo lineInfo, SourceElement? enclosing, List<ModelProblem> problems)
    {
        var ns = reader.NamespaceURI;
        if (IsModelNamespace(ns))
        {
            return;
        }
        var line = lineInfo.LineNumber;
        var column = lineInfo.LinePosition;
        var name = reader.Name;
        var id = reader.GetAttribute("id");
        var where = enclosing is null ? "" : $" inside {enclosing.LocalName} '{enclosing.Id}'";
        if (ns == XhtmlNamespace)
        {
            problems.Add(Refusal($"The XHTML element '{name}'{where} is not allowed in a model: a browser opening the file would render it as a page " +
                $"(and run its scripts). Remove it, or keep descriptions as plain text in documentation (rule {XhtmlRule}).", id, name, line, column));
        }
        else if (reader.LocalName.Equals("script", StringComparison.OrdinalIgnoreCase))
        {
            problems.Add(Refusal($"The element '{name}'{where} is a script; models may not carry scripts, in any namespace (rule {ScriptRule}).",
                id, name, line, column));
        }
        if (!reader.MoveToFirstAttribute())
        {
            return;
        }
        do
        {
            var attribute = reader.Name;
            if (reader.NamespaceURI.Length == 0 && attribute.Length > 2 && attribute.StartsWith("on", StringComparison.OrdinalIgnoreCase))
            {
                problems.Add(Refusal($"The attribute '{attribute}' of the element '{name}'{where} is an event handler, which a browser would run " +
                    $"(rule {EventHandlerRule}).", id, name, line, column));
            }
            else if (IsJavaScriptUrl(reader.Value))
            {
                problems.Add(Refusal($"The attribute '{attribute}' of the element '{name}'{where} is a javascript: URL, which a browser would run " +
                    $"(rule {JavaScriptUrlRule}).", id, name, line, column));
            }
        }
        while (reader.MoveToNextAttribute());
        reader.MoveToElement();
    }

    /// <summary>
    /// An <c>xml-stylesheet</c> instruction makes a browser transform the file with XSLT of the author's choice, which
    /// can produce a page with scripts; the engine never needs one.
    /// </summary>
    public static void CheckProcessingInstruction(XmlReader reader, IXmlLineInfo lineInfo, List<ModelProblem> problems)
    {
        if (reader.Name.Equals("xml-stylesheet", StringComparison.OrdinalIgnoreCase))
        {
            problems.Add(Refusal($"The processing instruction <?{reader.Name}?> is not allowed in a model: a browser would apply the stylesheet " +
                $"when it opens the file (rule {StylesheetRule}).", null, "?" + reader.Name, lineInfo.LineNumber, lineInfo.LinePosition));
        }
    }

    /// <summary>
    /// Browsers ignore whitespace and control characters inside the scheme, and SVG animation values are lists
    /// ("x;javascript:…"), so the scheme counts anywhere in the value, whitespace removed.
    /// </summary>
    private static bool IsJavaScriptUrl(string value)
    {
        if (value.Length < 11)
        {
            return false;
        }
        var compact = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            if (c > ' ')
            {
                compact.Append(char.ToLowerInvariant(c));
            }
        }
        return compact.ToString().Contains("javascript:", StringComparison.Ordinal);
    }

    private static ModelProblem Refusal(string message, string? id, string elementType, int line, int column) =>
        new(ProblemSeverity.Error, message, string.IsNullOrWhiteSpace(id) ? null : id, elementType, line, column);
}
