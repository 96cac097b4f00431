using Processes.Engine.Feel.Values;

namespace Processes.Engine.Feel.Syntax;

internal sealed partial class Parser
{
    private Node ParsePrimary()
    {
        Enter();
        try
        {
            return ParsePrimaryUnguarded();
        }
        finally
        {
            _depth--;
        }
    }

    private Node ParsePrimaryUnguarded()
    {
        var t = Current;
        switch (t.Kind)
        {
            case TokenKind.Number:
                _pos++;
                return ParseNumber(t.Text) is { } d
                    ? new LiteralNode(new FeelNumber(d))
                    : throw new SyntaxException(new SyntaxError(t.Line, t.Column, $"number {t.Text} is out of range"));
            case TokenKind.String:
                _pos++;
                return new LiteralNode(new FeelString(t.Text));
            case TokenKind.AtLiteral:
                _pos++;
                // DMN 1.5 §10.3.2.7: an at-literal means what the conversion function of its form gives, so one that
                // is no valid temporal is null (a warning), not a syntax error (TCK 0093).
                return FeelTemporalParser.ParseAtLiteral(t.Text) is { } temporal
                    ? new LiteralNode(temporal)
                    : new InvalidLiteralNode($"@\"{t.Text}\" is not a valid date, time, date and time or duration");
            case TokenKind.QuotedName:
                _pos++;
                return new NameNode(t.Text);
            case TokenKind.Name:
                return ParseNamePrimary(t);
        }
        if (ComparisonOf(t) is { } op)
        {
            _pos++;
            return new UnaryComparisonNode(op, ParseAdditive());
        }
        if (AcceptSymbol("("))
        {
            var inner = WithFilters(ParseExpression);
            if (AcceptSymbol(".."))
            {
                return ParseRangeRest(false, inner);
            }
            ExpectSymbol(")");
            return inner;
        }
        if (AcceptSymbol("]"))
        {
            var start = WithFilters(ParseExpression);
            ExpectSymbol("..");
            return ParseRangeRest(false, start);
        }
        if (AcceptSymbol("["))
        {
            return ParseListOrRange();
        }
        if (AcceptSymbol("{"))
        {
            return ParseContext();
        }
        throw Error($"unexpected {t.Describe()}");
    }

    private Node ParseNamePrimary(Token t)
    {
        switch (t.Text)
        {
            case "true":
                _pos++;
                return new LiteralNode(FeelValue.True);
            case "false":
                _pos++;
                return new LiteralNode(FeelValue.False);
            case "null":
                _pos++;
                return new LiteralNode(FeelValue.Null);
            case "if" or "for" or "some" or "every" or "function":
                return ParseExpression();
            case "?":
                _pos++;
                _inputSeen = true;
                return new NameNode("?");
        }
        if (Keywords.Contains(t.Text))
        {
            throw Error($"unexpected {t.Describe()}");
        }
        var name = ParseName();
        _partialSeen |= name == "partial";
        return new NameNode(name);
    }

    private Node ParseListOrRange()
    {
        if (AcceptSymbol("]"))
        {
            return new ListNode([]);
        }
        var first = WithFilters(ParseExpression);
        if (AcceptSymbol(".."))
        {
            return ParseRangeRest(true, first);
        }
        var items = new List<Node> { first };
        while (AcceptSymbol(","))
        {
            items.Add(WithFilters(ParseExpression));
        }
        ExpectSymbol("]");
        return new ListNode(items);
    }

    /// <summary>After <c>start ..</c>: the end point and the closing bracket, where ')' and '[' exclude the end.</summary>
    private RangeNode ParseRangeRest(bool startIncluded, Node start)
    {
        var saved = _noFilter;
        _noFilter = true;
        Node end;
        try
        {
            end = ParseAdditive();
        }
        finally
        {
            _noFilter = saved;
        }
        if (AcceptSymbol("]"))
        {
            return new RangeNode(startIncluded, start, end, true);
        }
        if (AcceptSymbol(")") || AcceptSymbol("["))
        {
            return new RangeNode(startIncluded, start, end, false);
        }
        throw Error($"expected ']', ')' or '[' to close the range but found {Current.Describe()}");
    }

    private ContextNode ParseContext()
    {
        var entries = new List<KeyValuePair<string, Node>>();
        if (!AcceptSymbol("}"))
        {
            do
            {
                string key;
                if (Current.Kind == TokenKind.String)
                {
                    key = Advance().Text;
                }
                else if (Current.Kind is TokenKind.Name or TokenKind.QuotedName)
                {
                    key = ParseContextKey();
                }
                else
                {
                    throw Error($"expected a context key but found {Current.Describe()}");
                }
                ExpectSymbol(":");
                entries.Add(new(key, WithFilters(ParseExpression)));
            }
            while (AcceptSymbol(","));
            ExpectSymbol("}");
        }
        return new ContextNode(entries);
    }

    /// <summary>Context keys may be any words, keywords included, up to the colon.</summary>
    private string ParseContextKey()
    {
        var name = Advance().Text;
        while (Current.Kind == TokenKind.Name || (Current.Kind == TokenKind.Symbol && Current.Text is "+" or "-" or "*" or "/" or "." && PeekToken(1).Kind is TokenKind.Name or TokenKind.Number))
        {
            var t = Advance();
            name += t.Kind == TokenKind.Name && char.IsLetterOrDigit(name[^1]) ? " " + t.Text : t.Text;
        }
        return name;
    }

    private List<UnaryTest> ParseInTests()
    {
        if (AcceptSymbol("("))
        {
            var first = ParsePositiveTest();
            if (AcceptSymbol(".."))
            {
                return [new UnaryTest(ParseRangeRest(false, first.Node), false)];
            }
            var tests = new List<UnaryTest> { first };
            while (AcceptSymbol(","))
            {
                tests.Add(ParsePositiveTest());
            }
            ExpectSymbol(")");
            return tests;
        }
        return [ParsePositiveTest()];
    }

    private UnaryTest ParsePositiveTest()
    {
        if (ComparisonOf(Current) is { } op)
        {
            _pos++;
            return new UnaryTest(new UnaryComparisonNode(op, ParseAdditive()), false);
        }
        var saved = _inputSeen;
        _inputSeen = false;
        var node = ParseAdditive();
        var uses = _inputSeen;
        _inputSeen = saved || uses;
        return new UnaryTest(node, uses);
    }

    private UnaryTestsNode ParseUnaryTestsTop()
    {
        if (Current.Is("-") && PeekToken(1).Kind == TokenKind.End)
        {
            _pos++;
            return new UnaryTestsNode(null, false);
        }
        if (Current.IsKeyword("not") && PeekToken(1).Is("("))
        {
            var save = _pos;
            _pos += 2;
            var tests = ParseTopTests();
            if (AcceptSymbol(")") && Current.Kind == TokenKind.End)
            {
                return new UnaryTestsNode(tests, true);
            }
            _pos = save;
        }
        return new UnaryTestsNode(ParseTopTests(), false);
    }

    private List<UnaryTest> ParseTopTests()
    {
        var tests = new List<UnaryTest>();
        do
        {
            if (ComparisonOf(Current) is { } op)
            {
                _pos++;
                tests.Add(new UnaryTest(new UnaryComparisonNode(op, ParseAdditive()), false));
                continue;
            }
            var saved = _inputSeen;
            _inputSeen = false;
            var node = ParseExpression();
            tests.Add(new UnaryTest(node, _inputSeen));
            _inputSeen = saved;
        }
        while (AcceptSymbol(","));
        return tests;
    }

    private FeelType ParseType()
    {
        Enter();
        try
        {
            return ParseTypeUnguarded();
        }
        finally
        {
            _depth--;
        }
    }

    private FeelType ParseTypeUnguarded()
    {
        var name = ParseTypeName();
        if (name is "list" or "range" && AcceptSymbol("<"))
        {
            var element = ParseType();
            ExpectSymbol(">");
            return new FeelType(name, element);
        }
        if (name == "context" && AcceptSymbol("<"))
        {
            var fields = new List<KeyValuePair<string, FeelType>>();
            do
            {
                var key = ParseName();
                ExpectSymbol(":");
                fields.Add(new(key, ParseType()));
            }
            while (AcceptSymbol(","));
            ExpectSymbol(">");
            return new FeelType(name, null, fields);
        }
        if (name == "function" && AcceptSymbol("<"))
        {
            var parameters = new List<FeelType>();
            if (!Current.Is(">"))
            {
                do
                {
                    parameters.Add(ParseType());
                }
                while (AcceptSymbol(","));
            }
            ExpectSymbol(">");
            ExpectSymbol("->");
            return new FeelType(name, Parameters: parameters, Result: ParseType());
        }
        return new FeelType(FeelType.Canonical(name));
    }

    private string ParseTypeName()
    {
        var t = Current;
        if (t.Kind is TokenKind.Name or TokenKind.QuotedName)
        {
            _pos++;
            var name = t.Text;
            // Qualified names such as "feel:number" or "tns.MyType" reduce to their last part.
            while (Current.Is(".") || Current.Is(":") && PeekToken(1).Kind == TokenKind.Name && name is "feel" or "tns")
            {
                _pos++;
                name = Advance().Text;
            }
            return name;
        }
        throw Error($"expected a type name but found {t.Describe()}");
    }
}
