using System.Globalization;
using Processes.Engine.Feel.Values;

namespace Processes.Engine.Feel.Syntax;

internal sealed record SyntaxError(int Line, int Column, string Message);

/// <summary>
/// Recursive-descent parser for FEEL expressions and unary tests. Syntax errors unwind through a private
/// exception that never leaves <see cref="Parse"/>; every input yields either a tree or a positioned error.
/// </summary>
internal sealed partial class Parser
{
    // Each level of nesting (a parenthesis, a call, a list) enters twice: the expression and its primary.
    private const int MaxDepth = 200;

    private static readonly HashSet<string> Keywords = new(StringComparer.Ordinal)
    {
        "and", "or", "if", "then", "else", "for", "in", "return", "some", "every", "satisfies",
        "instance", "of", "between", "function", "true", "false", "null", "external",
    };

    private readonly List<Token> _tokens;
    private int _pos;
    private int _depth;
    private bool _noFilter;
    private bool _inputSeen;
    private bool _partialSeen;

    private Parser(List<Token> tokens) => _tokens = tokens;

    public static (Node? Node, SyntaxError? Error) Parse(string text, IReadOnlyList<string> multiWordNames, bool unaryTests)
    {
        try
        {
            var tokens = new Lexer(text, multiWordNames).Tokenize();
            var invalid = tokens[^1];
            if (invalid.Kind == TokenKind.Invalid)
            {
                return (null, new SyntaxError(invalid.Line, invalid.Column, invalid.Text));
            }
            var parser = new Parser(tokens);
            var node = unaryTests ? parser.ParseUnaryTestsTop() : parser.ParseExpression();
            parser.Expect(TokenKind.End, "end of input");
            return (node, null);
        }
        catch (SyntaxException e)
        {
            return (null, e.Error);
        }
    }

    private sealed class SyntaxException(SyntaxError error) : Exception(error.Message)
    {
        public SyntaxError Error { get; } = error;
    }

    private Token Current => _tokens[Math.Min(_pos, _tokens.Count - 1)];

    private Token PeekToken(int ahead) => _tokens[Math.Min(_pos + ahead, _tokens.Count - 1)];

    private Token Advance() => _tokens[Math.Min(_pos++, _tokens.Count - 1)];

    private bool AcceptSymbol(string symbol)
    {
        if (Current.Is(symbol))
        {
            _pos++;
            return true;
        }
        return false;
    }

    private bool AcceptKeyword(string word)
    {
        if (Current.IsKeyword(word))
        {
            _pos++;
            return true;
        }
        return false;
    }

    private void ExpectSymbol(string symbol)
    {
        if (!AcceptSymbol(symbol))
        {
            throw Error($"expected '{symbol}' but found {Current.Describe()}");
        }
    }

    private void ExpectKeyword(string word)
    {
        if (!AcceptKeyword(word))
        {
            throw Error($"expected '{word}' but found {Current.Describe()}");
        }
    }

    private void Expect(TokenKind kind, string what)
    {
        if (Current.Kind != kind)
        {
            throw Error($"expected {what} but found {Current.Describe()}");
        }
        _pos++;
    }

    private SyntaxException Error(string message) => new(new SyntaxError(Current.Line, Current.Column, message));

    private void Enter()
    {
        if (++_depth > MaxDepth || !System.Runtime.CompilerServices.RuntimeHelpers.TryEnsureSufficientExecutionStack())
        {
            throw Error("expression is nested too deeply");
        }
    }

    public Node ParseExpression()
    {
        Enter();
        try
        {
            var t = Current;
            if (t.IsKeyword("if"))
            {
                return ParseIf();
            }
            if ((t.IsKeyword("for") || t.IsKeyword("some") || t.IsKeyword("every")) && IsIterationStart())
            {
                return t.Text == "for" ? ParseFor() : ParseQuantified();
            }
            if (t.IsKeyword("function") && PeekToken(1).Is("("))
            {
                return ParseFunctionDefinition();
            }
            return ParseDisjunction();
        }
        finally
        {
            _depth--;
        }
    }

    private bool IsIterationStart()
    {
        var next = PeekToken(1);
        return next.Kind is TokenKind.Name or TokenKind.QuotedName && !Keywords.Contains(next.Text) || next.Kind == TokenKind.QuotedName;
    }

    /// <summary>A name, joining adjacent words that are not keywords (FEEL names may contain spaces).</summary>
    private string ParseName()
    {
        var t = Current;
        if (t.Kind == TokenKind.QuotedName)
        {
            _pos++;
            return t.Text;
        }
        if (t.Kind != TokenKind.Name)
        {
            throw Error($"expected a name but found {t.Describe()}");
        }
        _pos++;
        var name = t.Text;
        while (Current.Kind == TokenKind.Name && !Keywords.Contains(Current.Text) && !Keywords.Contains(name))
        {
            name += " " + Advance().Text;
        }
        return name;
    }

    private Node ParseDisjunction()
    {
        var left = ParseConjunction();
        while (AcceptKeyword("or"))
        {
            left = new OrNode(left, ParseConjunction());
        }
        return left;
    }

    private Node ParseConjunction()
    {
        var left = ParseComparison();
        while (AcceptKeyword("and"))
        {
            left = new AndNode(left, ParseComparison());
        }
        return left;
    }

    private static CompareOp? ComparisonOf(Token t) => t.Kind != TokenKind.Symbol ? null : t.Text switch
    {
        "=" => CompareOp.Equal,
        "!=" => CompareOp.NotEqual,
        "<" => CompareOp.Less,
        "<=" => CompareOp.LessOrEqual,
        ">" => CompareOp.Greater,
        ">=" => CompareOp.GreaterOrEqual,
        _ => null,
    };

    private Node ParseComparison()
    {
        var left = ParseAdditive();
        while (true)
        {
            if (ComparisonOf(Current) is { } op)
            {
                _pos++;
                left = new ComparisonNode(op, left, ParseAdditive());
            }
            else if (AcceptKeyword("between"))
            {
                var low = ParseAdditive();
                ExpectKeyword("and");
                left = new BetweenNode(left, low, ParseAdditive());
            }
            else if (AcceptKeyword("in"))
            {
                left = new InNode(left, ParseInTests());
            }
            else if (AcceptKeyword("instance"))
            {
                ExpectKeyword("of");
                left = new InstanceOfNode(left, ParseType());
            }
            else
            {
                return left;
            }
        }
    }

    private Node ParseAdditive()
    {
        var left = ParseMultiplicative();
        while (true)
        {
            if (AcceptSymbol("+"))
            {
                left = new ArithmeticNode(BinaryOp.Add, left, ParseMultiplicative());
            }
            else if (AcceptSymbol("-"))
            {
                left = new ArithmeticNode(BinaryOp.Subtract, left, ParseMultiplicative());
            }
            else
            {
                return left;
            }
        }
    }

    private Node ParseMultiplicative()
    {
        var left = ParseExponentiation();
        while (true)
        {
            if (AcceptSymbol("*"))
            {
                left = new ArithmeticNode(BinaryOp.Multiply, left, ParseExponentiation());
            }
            else if (AcceptSymbol("/"))
            {
                left = new ArithmeticNode(BinaryOp.Divide, left, ParseExponentiation());
            }
            else
            {
                return left;
            }
        }
    }

    private Node ParseExponentiation()
    {
        var left = ParseUnary();
        while (AcceptSymbol("**"))
        {
            left = new ArithmeticNode(BinaryOp.Power, left, ParseUnary());
        }
        return left;
    }

    private Node ParseUnary()
    {
        if (AcceptSymbol("-"))
        {
            Enter();
            try
            {
                return new NegationNode(ParseUnary());
            }
            finally
            {
                _depth--;
            }
        }
        return ParsePostfix();
    }

    private Node ParsePostfix()
    {
        var node = ParsePrimary();
        while (true)
        {
            if (AcceptSymbol("."))
            {
                node = new PathNode(node, ParseName());
            }
            else if (!_noFilter && Current.Is("["))
            {
                _pos++;
                var filter = WithFilters(ParseExpression);
                ExpectSymbol("]");
                node = new FilterNode(node, filter);
            }
            else if (AcceptSymbol("("))
            {
                node = ParseArguments(node);
            }
            else
            {
                return node;
            }
        }
    }

    private T WithFilters<T>(Func<T> parse)
    {
        var saved = _noFilter;
        _noFilter = false;
        try
        {
            return parse();
        }
        finally
        {
            _noFilter = saved;
        }
    }

    private Node ParseArguments(Node callee)
    {
        var positional = new List<Node>();
        List<KeyValuePair<string, Node>>? named = null;
        if (AcceptSymbol(")"))
        {
            return new InvocationNode(callee, positional, null);
        }
        var isNamed = IsNamedArgument();
        do
        {
            if (isNamed)
            {
                named ??= [];
                var name = ParseName();
                ExpectSymbol(":");
                named.Add(new(name, WithFilters(ParseExpression)));
            }
            else
            {
                positional.Add(WithFilters(ParseExpression));
            }
        }
        while (AcceptSymbol(","));
        ExpectSymbol(")");
        return new InvocationNode(callee, positional, named);
    }

    private bool IsNamedArgument()
    {
        var i = 0;
        while (PeekToken(i).Kind is TokenKind.Name or TokenKind.QuotedName)
        {
            i++;
        }
        return i > 0 && PeekToken(i).Is(":");
    }

    private static decimal? ParseNumber(string text) =>
        decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : null;
}
