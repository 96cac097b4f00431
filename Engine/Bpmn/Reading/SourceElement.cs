namespace Processes.Engine.Bpmn.Reading;

/// <summary>
/// A parsed XML element with its position. The reader works on this small tree rather than on XDocument so a
/// single streaming pass can enforce the depth limit, drop diagram interchange, and keep line numbers cheaply.
/// </summary>
internal sealed class SourceElement
{
    private static readonly List<SourceElement> NoChildren = [];
    private readonly (string Namespace, string LocalName, string Value)[] _attributes;
    private List<SourceElement>? _zeebeExtensions;

    public SourceElement(string ns, string localName, (string, string, string)[] attributes, int line, int column)
    {
        Namespace = ns;
        LocalName = localName;
        _attributes = attributes;
        Line = line;
        Column = column;
    }

    public string Namespace { get; }
    public string LocalName { get; }
    public int Line { get; }
    public int Column { get; }
    public List<SourceElement> Children { get; private set; } = NoChildren;

    /// <summary>Concatenated text and CDATA content, or null when there is none.</summary>
    public string? Text { get; internal set; }

    public string? Id => Attribute("id");

    public bool IsBpmn(string localName) => LocalName == localName && Namespace == BpmnNamespaces.Model;

    public bool IsZeebe(string localName) => LocalName == localName && Namespace == BpmnNamespaces.Zeebe;

    /// <summary>An unqualified attribute (BPMN attributes are unqualified).</summary>
    public string? Attribute(string localName)
    {
        foreach (var (ns, name, value) in _attributes)
        {
            if (name == localName && ns.Length == 0)
            {
                return value;
            }
        }
        return null;
    }

    public string? Attribute(string ns, string localName)
    {
        foreach (var (attributeNs, name, value) in _attributes)
        {
            if (name == localName && attributeNs == ns)
            {
                return value;
            }
        }
        return null;
    }

    /// <summary>A non-blank unqualified attribute, trimmed; blank values mean "not set" in modeler output.</summary>
    public string? NonBlank(string localName)
    {
        var value = Attribute(localName);
        return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }

    public SourceElement? BpmnChild(string localName)
    {
        foreach (var child in Children)
        {
            if (child.IsBpmn(localName))
            {
                return child;
            }
        }
        return null;
    }

    public IEnumerable<SourceElement> BpmnChildren(string localName) => Children.Where(c => c.IsBpmn(localName));

    /// <summary>The <c>zeebe:</c> elements under <c>extensionElements</c>.</summary>
    public List<SourceElement> ZeebeExtensions()
    {
        // Each element is asked for a dozen extensions; collecting them once keeps reading linear.
        if (_zeebeExtensions is null)
        {
            _zeebeExtensions = NoChildren;
            foreach (var container in Children)
            {
                if (container.IsBpmn("extensionElements"))
                {
                    _zeebeExtensions = [.. _zeebeExtensions, .. container.Children.Where(c => c.Namespace == BpmnNamespaces.Zeebe)];
                }
            }
        }
        return _zeebeExtensions;
    }

    public SourceElement? ZeebeExtension(string localName)
    {
        foreach (var extension in ZeebeExtensions())
        {
            if (extension.LocalName == localName)
            {
                return extension;
            }
        }
        return null;
    }

    internal void AddChild(SourceElement child)
    {
        if (ReferenceEquals(Children, NoChildren))
        {
            Children = [];
        }
        Children.Add(child);
    }
}

internal static class BpmnNamespaces
{
    public const string Model = "http://www.omg.org/spec/BPMN/20100524/MODEL";
    public const string Diagram = "http://www.omg.org/spec/BPMN/20100524/DI";
    public const string Zeebe = "http://camunda.org/schema/zeebe/1.0";
    public const string XmlSchemaInstance = "http://www.w3.org/2001/XMLSchema-instance";
}
