using System.Collections.Immutable;
using Processes.Engine.Bpmn.Reading;
using Processes.Engine.Dmn.Boxed;
using Processes.Engine.Dmn.Types;
using static Processes.Engine.Dmn.DmnReadContext;

namespace Processes.Engine.Dmn;

/// <summary>Reads the DRG elements besides decisions: item definitions, input data, BKMs and decision services.</summary>
internal static class DrgPartsReader
{
    public static DrgParts Read(SourceElement root, DmnReadContext context)
    {
        var definitions = ImmutableDictionary.CreateBuilder<string, ItemDefinition>(StringComparer.Ordinal);
        foreach (var element in Children(root, "itemDefinition"))
        {
            var definition = ItemDefinition.Read(element, context);
            definitions[definition.Name] = definition;
        }
        var inputData = Children(root, "inputData")
            .Select(e => new InputDataElement(e.NonBlank("id") ?? "", e.NonBlank("name") ?? e.NonBlank("id") ?? "", Child(e, "variable")?.Attribute("typeRef")))
            .ToImmutableArray();
        var knowledge = ImmutableArray.CreateBuilder<KnowledgeModel>();
        foreach (var element in Children(root, "businessKnowledgeModel"))
        {
            var id = element.NonBlank("id") ?? "";
            var name = element.NonBlank("name") ?? id;
            var logic = Child(element, "encapsulatedLogic");
            knowledge.Add(new KnowledgeModel(id, name, logic is null ? null : BoxedReader.ReadFunction(logic, name, id, context), element.Line,
                Child(element, "variable")?.Attribute("typeRef")));
        }
        var services = ImmutableArray.CreateBuilder<DecisionService>();
        foreach (var element in Children(root, "decisionService"))
        {
            var id = element.NonBlank("id") ?? "";
            services.Add(new DecisionService(id, element.NonBlank("name") ?? id,
                [.. Children(element, "outputDecision").Select(Href)], [.. Children(element, "inputDecision").Select(Href)],
                [.. Children(element, "inputData").Select(Href)], Child(element, "variable")?.Attribute("typeRef"), element.Line));
        }
        return new DrgParts(knowledge.ToImmutable(), services.ToImmutable(), inputData, new TypeConformance(definitions.ToImmutable()));
    }
}
