using Processes.Engine.Feel.Values;

namespace Processes.Engine.Feel.Syntax;

/// <summary>The textual expressions: if, for, some/every and function definitions.</summary>
internal sealed partial class Parser
{
    private Node ParseIf()
    {
        ExpectKeyword("if");
        var condition = ParseExpression();
        ExpectKeyword("then");
        var then = ParseExpression();
        ExpectKeyword("else");
        return new IfNode(condition, then, ParseExpression());
    }

    private List<IterationClause> ParseClauses()
    {
        var clauses = new List<IterationClause>();
        do
        {
            var name = ParseName();
            ExpectKeyword("in");
            var domain = ParseExpression();
            Node? end = null;
            if (AcceptSymbol(".."))
            {
                end = ParseExpression();
            }
            clauses.Add(new IterationClause(name, domain, end));
        }
        while (AcceptSymbol(","));
        return clauses;
    }

    private Node ParseFor()
    {
        ExpectKeyword("for");
        var clauses = ParseClauses();
        ExpectKeyword("return");
        var saved = _partialSeen;
        _partialSeen = false;
        var body = ParseExpression();
        var usesPartial = _partialSeen;
        _partialSeen = saved;
        return new ForNode(clauses, body, usesPartial);
    }

    private Node ParseQuantified()
    {
        var every = Advance().Text == "every";
        var clauses = ParseClauses();
        ExpectKeyword("satisfies");
        return new QuantifiedNode(every, clauses, ParseExpression());
    }

    private Node ParseFunctionDefinition()
    {
        ExpectKeyword("function");
        ExpectSymbol("(");
        var parameters = new List<(string, FeelType?)>();
        if (!Current.Is(")"))
        {
            do
            {
                var name = ParseName();
                parameters.Add((name, AcceptSymbol(":") ? ParseType() : null));
            }
            while (AcceptSymbol(","));
        }
        ExpectSymbol(")");
        if (AcceptKeyword("external"))
        {
            throw Error("external functions are not supported");
        }
        return new FunctionDefinitionNode(parameters, ParseExpression());
    }
}
