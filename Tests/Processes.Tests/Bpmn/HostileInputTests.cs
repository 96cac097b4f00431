using System.Text;
using Processes.Engine.Bpmn.Reading;

namespace Processes.Tests.Bpmn;

/// <summary>Malicious or broken files get precise problems and never an exception.</summary>
public sealed class HostileInputTests
{
    private static byte[] Corpus(string name) =>
        File.ReadAllBytes(Path.Combine(TestContext.CurrentContext.TestDirectory, "Bpmn", "Corpus", name));

    private static BpmnReadResult ReadCorpus(string name)
    {
        var result = BpmnReader.Read(Corpus(name));
        result.HasErrors.ShouldBeTrue();
        result.Processes.ShouldBeEmpty();
        return result;
    }

    [Test]
    public void Every_corpus_file_is_rejected_without_exception()
    {
        var dir = Path.Combine(TestContext.CurrentContext.TestDirectory, "Bpmn", "Corpus");
        var files = Directory.GetFiles(dir);
        files.Length.ShouldBeGreaterThan(5);
        foreach (var file in files)
        {
            var result = BpmnReader.Read(File.ReadAllBytes(file));
            result.HasErrors.ShouldBeTrue(Path.GetFileName(file));
        }
    }

    [Test]
    public void External_entity_is_refused_without_reading_the_file()
    {
        var problem = ReadCorpus("xxe-external-entity.bpmn").Errors.ShouldHaveSingleItem();
        problem.Message.ShouldContain("DOCTYPE");
        problem.Message.ShouldNotContain("root:x:0:0");
    }

    [Test]
    public void Entity_expansion_is_refused()
    {
        var problem = ReadCorpus("billion-laughs.bpmn").Errors.ShouldHaveSingleItem();
        problem.Message.ShouldContain("DOCTYPE");
    }

    [Test]
    public void File_over_the_size_limit_is_refused_before_parsing()
    {
        // 50 MB of otherwise valid XML: the size alone must reject it.
        var text = new StringBuilder(52 * 1024 * 1024);
        text.Append(BpmnText.Process("<bpmn:startEvent id=\"start\" />").Replace("</bpmn:definitions>", "", StringComparison.Ordinal));
        var comment = "<!--" + new string('x', 1020) + "-->\n";
        while (text.Length < 50 * 1024 * 1024)
        {
            text.Append(comment);
        }
        text.Append("</bpmn:definitions>");
        var bytes = Encoding.UTF8.GetBytes(text.ToString());

        var result = BpmnReader.Read(bytes);

        var problem = result.Errors.ShouldHaveSingleItem();
        problem.Message.ShouldContain("larger than the limit of 10 MB");
        // Not read at all, shown by content rather than by a stopwatch: one byte over the limit of bytes no XML parser
        // accepts gets the size refusal alone, where parsing would have reported malformed XML.
        var garbage = new byte[10 * 1024 * 1024 + 1];
        Array.Fill(garbage, (byte)0xFF);
        BpmnReader.Read(garbage).Errors.ShouldHaveSingleItem().Message.ShouldContain("larger than the limit of 10 MB");
        BpmnReader.Read(garbage.AsSpan(1).ToArray()).Errors.ShouldNotContain(e => e.Message.Contains("larger than the limit", StringComparison.Ordinal),
            "at the limit the same bytes are parsed, and refused as what they are");
    }

    [Test]
    public void Size_limit_is_configurable()
    {
        var xml = BpmnText.Around(BpmnText.ServiceTask("x"));
        var result = BpmnReader.Read(Encoding.UTF8.GetBytes(xml), new BpmnReadOptions { MaxSizeBytes = 100 });
        result.Errors.ShouldHaveSingleItem().Message.ShouldContain("limit of 100 bytes");
    }

    [Test]
    public void Deep_nesting_is_refused()
    {
        var depth = 10_000;
        var xml = BpmnText.Process(string.Concat(Enumerable.Repeat("<bpmn:documentation>", depth)) +
                                   string.Concat(Enumerable.Repeat("</bpmn:documentation>", depth)));
        var problem = BpmnReader.Read(xml).Errors.ShouldHaveSingleItem();
        problem.Message.ShouldContain("nested deeper than 128");
        problem.Line.ShouldNotBeNull();
    }

    [Test]
    public void Not_xml_reports_line_and_column()
    {
        var problem = ReadCorpus("not-xml.bpmn").Errors.ShouldHaveSingleItem();
        problem.Message.ShouldContain("not well-formed XML");
        problem.Line.ShouldBe(1);
        problem.Column.ShouldBe(1);
    }

    [Test]
    public void Truncated_xml_reports_the_mismatched_tag()
    {
        var problem = ReadCorpus("truncated.bpmn").Errors.ShouldHaveSingleItem();
        problem.Message.ShouldContain("not well-formed XML");
        problem.Line.ShouldBe(7);
    }

    [Test]
    public void Empty_file_is_refused() =>
        ReadCorpus("empty.bpmn").Errors.ShouldHaveSingleItem().Message.ShouldContain("empty");

    [Test]
    public void Wrong_namespace_names_the_expected_one()
    {
        var problem = ReadCorpus("wrong-namespace.bpmn").Errors.ShouldHaveSingleItem();
        problem.Message.ShouldContain("MODEL-WRONG");
        problem.Message.ShouldContain("http://www.omg.org/spec/BPMN/20100524/MODEL'");
    }

    [Test]
    public void Wrong_root_element_is_named() =>
        ReadCorpus("wrong-root.bpmn").Errors.ShouldHaveSingleItem().Message.ShouldContain("'html'");

    [Test]
    public void Dangling_references_are_all_reported_with_element_and_line()
    {
        var result = ReadCorpus("dangling-references.bpmn");
        result.ShouldReport("waitForMessage", "messageRef 'missingMessage'").Line.ShouldBe(10);
        result.ShouldReport("onError", "errorRef 'missingError'");
        result.ShouldReport("raiseSignal", "signalRef 'missingSignal'").ElementType.ShouldBe("intermediateThrowEvent");
        result.ShouldReport("f2", "targetRef 'ghost'");
        result.ShouldReport("f3", "no sourceRef");
        result.ShouldReport("gateway", "default flow 'nowhere'").ElementType.ShouldBe("exclusiveGateway");
    }

    [Test]
    public void Unsupported_elements_are_named_never_ignored()
    {
        var result = ReadCorpus("unsupported-elements.bpmn");
        result.ShouldReport("complex", "'complexGateway' is not supported");
        result.ShouldReport("tx", "'transaction' is not supported");
        result.ShouldReport("adhoc", "at least one activity"); // ad-hoc sub-processes run now; an empty one is still wrong
        result.ShouldReport("compensate", "Compensation events");
        result.ShouldReport("conditional", "Conditional events");
        result.ShouldReport("looping", "standardLoopCharacteristics");
    }

    [Test]
    public void Process_that_is_not_executable_is_not_deployable() =>
        ReadCorpus("no-executable-process.bpmn").ShouldReport(null, "isExecutable");

    [Test]
    public void Duplicate_ids_point_at_both_uses()
    {
        var problem = ReadCorpus("duplicate-ids.bpmn").ShouldReport("same", "used more than once");
        problem.Line.ShouldBe(5);
        problem.Message.ShouldContain("line 4");
    }

    [TestCase("<?xml version=\"1.0\" encoding=\"no-such-encoding\"?><a/>")]
    [TestCase("<?xml version=\"1.0\" encoding=\"UTF-32\"?><a/>")]
    [TestCase("<?xml version=\"2.0\"?><a/>")]
    [TestCase("<a xmlns:x=\"\"><x:b/></a>")]
    [TestCase("<a>&unknown;</a>")]
    [TestCase("<a>&#0;</a>")]
    [TestCase("<a></a><b></b>")]
    [TestCase("   ")]
    public void Odd_xml_is_described(string text) =>
        BpmnReader.Read(text).Errors.ShouldNotBeEmpty();

    [Test]
    public void Random_bytes_are_described()
    {
        var random = new Random(7);
        for (var i = 0; i < 500; i++)
        {
            var bytes = new byte[random.Next(1, 2_000)];
            random.NextBytes(bytes);
            if (i % 2 == 0)
            {
                // Half start like a BPMN file, so the parser gets past the prolog before the garbage.
                var prefix = Encoding.UTF8.GetBytes(BpmnText.Process("")[..200]);
                bytes = [.. prefix, .. bytes];
            }
            BpmnReader.Read(bytes).HasErrors.ShouldBeTrue();
        }
    }

    [Test]
    public void Invalid_utf8_bytes_are_described()
    {
        var bytes = Encoding.UTF8.GetBytes(BpmnText.Around(BpmnText.ServiceTask("x", "typeXX")));
        var at = Array.IndexOf(bytes, (byte)'X');
        bytes[at] = 0xC3;
        bytes[at + 1] = 0x28;
        BpmnReader.Read(bytes).Errors.ShouldHaveSingleItem().Message.ShouldContain("not well-formed");
    }

    [Test]
    public void Utf16_file_with_bom_is_read()
    {
        var xml = BpmnText.Around(BpmnText.ServiceTask("x")).Replace("UTF-8", "UTF-16", StringComparison.Ordinal);
        var bytes = Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes(xml)).ToArray();
        BpmnReader.Read(bytes).Errors.ShouldBeEmpty();
    }
}
