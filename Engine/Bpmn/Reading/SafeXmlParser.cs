using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml;
using Processes.Engine.Bpmn.Validation;

namespace Processes.Engine.Bpmn.Reading;

/// <summary>
/// Turns untrusted bytes into a <see cref="SourceElement"/> tree. Models arrive from the network, so the parser
/// refuses DTDs (no external entities, no entity expansion), resolves nothing, and bounds size and depth;
/// every refusal is a <see cref="ModelProblem"/>, never an exception.
/// </summary>
internal static partial class SafeXmlParser
{
    public static SourceElement? Parse(ReadOnlyMemory<byte> content, BpmnReadOptions options, List<ModelProblem> problems)
    {
        if (content.Length > options.MaxSizeBytes)
        {
            problems.Add(new ModelProblem(ProblemSeverity.Error,
                $"The file is {FormatSize(content.Length)}, larger than the limit of {FormatSize(options.MaxSizeBytes)}; it was not read."));
            return null;
        }
        if (content.IsEmpty)
        {
            problems.Add(new ModelProblem(ProblemSeverity.Error, "The file is empty; expected BPMN 2.0 XML."));
            return null;
        }
        var settings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            MaxCharactersFromEntities = 0,
            // Characters are at most bytes for every encoding the reader accepts, so this bounds decoded text too.
            MaxCharactersInDocument = Math.Max(options.MaxSizeBytes, 1),
            IgnoreComments = true,
            // Read so that ForeignMarkup sees xml-stylesheet; the tree keeps none of them.
            IgnoreProcessingInstructions = false,
            IgnoreWhitespace = true,
            CloseInput = true,
        };
        try
        {
            using var stream = MemoryMarshal.TryGetArray(content, out var segment)
                ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
                : new MemoryStream(content.ToArray(), writable: false);
            using var reader = XmlReader.Create(stream, settings);
            return ReadTree(reader, options, problems);
        }
        catch (XmlException e)
        {
            problems.Add(Describe(e));
            return null;
        }
    }

    private static SourceElement? ReadTree(XmlReader reader, BpmnReadOptions options, List<ModelProblem> problems)
    {
        var maxDepth = options.MaxDepth;
        var lineInfo = (IXmlLineInfo)reader;
        var open = new Stack<Frame>();
        SourceElement? root = null;
        // A root outside the model namespaces (an HTML page) is refused by the readers for its root alone.
        var guard = options.RefuseForeignMarkup;
        while (reader.Read())
        {
            switch (reader.NodeType)
            {
                case XmlNodeType.Element when reader.Depth >= maxDepth:
                    problems.Add(new ModelProblem(ProblemSeverity.Error,
                        $"The XML is nested deeper than {maxDepth} levels; this is not a plausible BPMN model.",
                        Line: lineInfo.LineNumber, Column: lineInfo.LinePosition));
                    return null;
                case XmlNodeType.Element when reader.NamespaceURI == BpmnNamespaces.Diagram:
                    // Diagram interchange only draws the model, so the tree leaves it out; it is still checked for
                    // well-formedness and for foreign markup, since the file is served as uploaded.
                    SkipDiagram(reader, lineInfo, guard ? Enclosing(open) : null, guard ? problems : null);
                    break;
                case XmlNodeType.Element:
                    if (open.Count == 0)
                    {
                        guard = options.RefuseForeignMarkup && ForeignMarkup.IsModelNamespace(reader.NamespaceURI);
                    }
                    if (guard && !ForeignMarkup.IsModelNamespace(reader.NamespaceURI))
                    {
                        ForeignMarkup.CheckElement(reader, lineInfo, Enclosing(open), problems);
                    }
                    var element = ReadElement(reader, lineInfo);
                    if (open.Count == 0)
                    {
                        root = element;
                    }
                    else
                    {
                        open.Peek().Element.AddChild(element);
                    }
                    if (!reader.IsEmptyElement)
                    {
                        open.Push(new Frame(element));
                    }
                    break;
                case XmlNodeType.EndElement:
                    var finished = open.Pop();
                    if (finished.Text is not null)
                    {
                        finished.Element.Text = finished.Text.ToString();
                    }
                    break;
                case XmlNodeType.ProcessingInstruction when guard:
                    ForeignMarkup.CheckProcessingInstruction(reader, lineInfo, problems);
                    break;
                case XmlNodeType.Text or XmlNodeType.CDATA or XmlNodeType.SignificantWhitespace when open.Count > 0:
                    var frame = open.Peek();
                    (frame.Text ??= new StringBuilder()).Append(reader.Value);
                    break;
            }
        }
        return root;
    }

    /// <summary>
    /// Reads past a diagram element and its content, checking every element on the way when <paramref name="problems"/>
    /// is given. Leaves the reader on the element's end (or on the element when it is empty), like any other element.
    /// </summary>
    private static void SkipDiagram(XmlReader reader, IXmlLineInfo lineInfo, SourceElement? enclosing, List<ModelProblem>? problems)
    {
        var depth = reader.Depth;
        if (reader.IsEmptyElement)
        {
            if (problems is not null)
            {
                ForeignMarkup.CheckElement(reader, lineInfo, enclosing, problems);
            }
            return;
        }
        // Diagram elements with ids (BPMNDiagram, BPMNShape …) say where a problem is; they are not in the tree.
        var diagram = new Stack<(int Depth, SourceElement Element)>();
        do
        {
            if (problems is null)
            {
                continue;
            }
            while (diagram.Count > 0 && diagram.Peek().Depth >= reader.Depth)
            {
                diagram.Pop();
            }
            if (reader.NodeType == XmlNodeType.Element)
            {
                ForeignMarkup.CheckElement(reader, lineInfo, diagram.Count > 0 ? diagram.Peek().Element : enclosing, problems);
                if (!reader.IsEmptyElement && reader.GetAttribute("id") is { Length: > 0 } id)
                {
                    diagram.Push((reader.Depth, new SourceElement(reader.NamespaceURI, reader.LocalName, [("", "id", id)], lineInfo.LineNumber, lineInfo.LinePosition)));
                }
            }
            else if (reader.NodeType == XmlNodeType.ProcessingInstruction)
            {
                ForeignMarkup.CheckProcessingInstruction(reader, lineInfo, problems);
            }
        }
        while (reader.Read() && reader.Depth > depth);
    }

    /// <summary>The innermost open element with an id: where a problem inside anonymous content is.</summary>
    private static SourceElement? Enclosing(Stack<Frame> open)
    {
        foreach (var frame in open)
        {
            if (!string.IsNullOrWhiteSpace(frame.Element.Id))
            {
                return frame.Element;
            }
        }
        return null;
    }

    private sealed class Frame(SourceElement element)
    {
        public SourceElement Element { get; } = element;
        public StringBuilder? Text { get; set; }
    }

    private static SourceElement ReadElement(XmlReader reader, IXmlLineInfo lineInfo)
    {
        var line = lineInfo.LineNumber;
        var column = lineInfo.LinePosition;
        var attributes = new (string, string, string)[reader.AttributeCount];
        var count = 0;
        if (reader.MoveToFirstAttribute())
        {
            do
            {
                if (reader.NamespaceURI != "http://www.w3.org/2000/xmlns/")
                {
                    attributes[count++] = (reader.NamespaceURI, reader.LocalName, reader.Value);
                }
            }
            while (reader.MoveToNextAttribute());
            reader.MoveToElement();
        }
        Array.Resize(ref attributes, count);
        return new SourceElement(reader.NamespaceURI, reader.LocalName, attributes, line, column);
    }

    private static ModelProblem Describe(XmlException e)
    {
        var message = e.Message.Contains("DTD", StringComparison.Ordinal)
            ? "DOCTYPE declarations are not allowed in BPMN files (entities and external references are rejected)."
            : e.Message.Contains("MaxCharactersInDocument", StringComparison.Ordinal)
                ? "The document is larger than the allowed size."
                : $"The file is not well-formed XML: {LinePositionSuffix().Replace(e.Message, "")}";
        return new ModelProblem(ProblemSeverity.Error, message,
            Line: e.LineNumber == 0 ? null : e.LineNumber,
            Column: e.LinePosition == 0 ? null : e.LinePosition);
    }

    private static string FormatSize(long bytes) =>
        bytes >= 1024 * 1024
            ? (bytes / (1024.0 * 1024.0)).ToString("0.#", CultureInfo.InvariantCulture) + " MB"
            : bytes.ToString(CultureInfo.InvariantCulture) + " bytes";

    // XmlException repeats the position in its message; the problem carries it as numbers already.
    [GeneratedRegex(@"\s*Line \d+, position \d+\.$")]
    private static partial Regex LinePositionSuffix();
}
