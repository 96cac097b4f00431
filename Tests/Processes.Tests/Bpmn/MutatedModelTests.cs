using System.Xml.Linq;
using Processes.Engine.Bpmn.Reading;

namespace Processes.Tests.Bpmn;

/// <summary>
/// Thousands of damaged variants of the real samples (elements or attributes removed, ids swapped, text cut off):
/// the reader must describe each one and never throw.
/// </summary>
public sealed class MutatedModelTests
{
    [Test]
    public void Damaged_samples_never_throw()
    {
        var dir = BpmnSamples.Directory();
        if (dir is null)
        {
            BpmnSamples.Missing();
        }
        var random = new Random(20261122);
        var variants = 0;
        foreach (var file in Directory.GetFiles(dir, "*.bpmn").Order())
        {
            var original = File.ReadAllText(file);
            for (var i = 0; i < 300; i++)
            {
                var mutated = Mutate(original, random);
                var result = BpmnReader.Read(mutated);
                (result.HasErrors || result.Processes.Length > 0).ShouldBeTrue(mutated);
                variants++;
            }
        }
        variants.ShouldBeGreaterThan(1000);
    }

    private static string Mutate(string xml, Random random)
    {
        if (random.Next(10) == 0)
        {
            return xml[..random.Next(xml.Length)];
        }
        var document = XDocument.Parse(xml);
        var elements = document.Descendants().ToList();
        var ids = elements.Select(e => (string?)e.Attribute("id")).OfType<string>().ToList();
        for (var n = random.Next(1, 4); n > 0; n--)
        {
            var target = elements[random.Next(elements.Count)];
            switch (random.Next(4))
            {
                case 0 when target.Parent is not null:
                    target.Remove();
                    break;
                case 1 when target.Attributes().Any():
                    var attributes = target.Attributes().ToList();
                    attributes[random.Next(attributes.Count)].Remove();
                    break;
                case 2 when target.Attributes().Any() && ids.Count > 0:
                    var attribute = target.Attributes().ElementAt(random.Next(target.Attributes().Count()));
                    attribute.Value = ids[random.Next(ids.Count)];
                    break;
                case 3 when target.Parent is not null:
                    target.AddAfterSelf(new XElement(target));
                    break;
            }
        }
        return document.ToString();
    }
}
