using System.Globalization;
using System.Text;

namespace Processes.Engine.Feel.Syntax;

internal enum TokenKind
{
    Number,
    String,
    Name,
    QuotedName,
    AtLiteral,
    Symbol,
    End,
    Invalid,
}

internal readonly record struct Token(TokenKind Kind, string Text, int Line, int Column)
{
    public bool Is(string symbol) => Kind == TokenKind.Symbol && Text == symbol;

    /// <summary>Keywords are plain names in FEEL; a back-quoted name never is one.</summary>
    public bool IsKeyword(string word) => Kind == TokenKind.Name && Text == word;

    public string Describe() => Kind switch
    {
        TokenKind.End => "end of input",
        TokenKind.String => "\"" + Text + "\"",
        TokenKind.Invalid => Text,
        _ => "'" + Text + "'",
    };
}

/// <summary>
/// Splits FEEL text into tokens. Multi-word names (built-in functions such as <c>date and time</c>,
/// or variables the caller declares, such as <c>Monthly Salary</c>) become one name token when the
/// text matches them, longest first, so the parser never has to guess where a name ends.
/// </summary>
internal sealed class Lexer
{
    private readonly string _text;
    private readonly IReadOnlyList<string> _multiWordNames;
    private int _pos;
    private int _line = 1;
    private int _lineStart;
    private int _tokenLine;
    private int _tokenColumn;

    public Lexer(string text, IReadOnlyList<string> multiWordNames)
    {
        _text = text;
        _multiWordNames = multiWordNames;
    }

    public List<Token> Tokenize()
    {
        var tokens = new List<Token>();
        while (true)
        {
            var token = Next();
            tokens.Add(token);
            if (token.Kind is TokenKind.End or TokenKind.Invalid)
            {
                return tokens;
            }
        }
    }

    public static bool IsNameStart(char c) => char.IsLetter(c) || c == '_' || c == '?' || c == '$';

    public static bool IsNamePart(char c) => IsNameStart(c) || char.IsDigit(c) || c == '\u00B7' || char.GetUnicodeCategory(c) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark;

    private Token Next()
    {
        SkipTrivia();
        _tokenLine = _line;
        _tokenColumn = _pos - _lineStart + 1;
        if (_pos >= _text.Length)
        {
            return Make(TokenKind.End, "");
        }
        var start = _pos;
        _tokenLine = _line;
        _tokenColumn = _pos - _lineStart + 1;
        var c = _text[_pos];
        if (char.IsDigit(c) || (c == '.' && Peek(1) is >= '0' and <= '9'))
        {
            return LexNumber(start);
        }
        if (c == '"')
        {
            return LexString(TokenKind.String);
        }
        if (c == '@' && Peek(1) == '"')
        {
            _pos++;
            var s = LexString(TokenKind.AtLiteral);
            return s.Kind == TokenKind.Invalid ? s : s with { Kind = TokenKind.AtLiteral };
        }
        if (c == '`')
        {
            var close = _text.IndexOf('`', _pos + 1);
            if (close < 0)
            {
                return Make(TokenKind.Invalid, "unterminated back-quoted name");
            }
            _pos = close + 1;
            return Make(TokenKind.QuotedName, _text[(start + 1)..close]);
        }
        if (IsNameStart(c))
        {
            var known = MatchKnownName(start);
            if (known is not null)
            {
                return Make(TokenKind.Name, known);
            }
            while (_pos < _text.Length && IsNamePart(_text[_pos]))
            {
                _pos++;
            }
            return Make(TokenKind.Name, _text[start.._pos]);
        }
        foreach (var symbol in Symbols)
        {
            if (string.CompareOrdinal(_text, _pos, symbol, 0, symbol.Length) == 0)
            {
                _pos += symbol.Length;
                return Make(TokenKind.Symbol, symbol);
            }
        }
        _pos++;
        return Make(TokenKind.Invalid, "unexpected character '" + c + "'");
    }

    // Longest first so that "**" wins over "*" and ".." over ".".
    private static readonly string[] Symbols =
        ["..", "**", "!=", "<=", ">=", "->", ".", "*", "/", "+", "-", "=", "<", ">", "(", ")", "[", "]", "{", "}", ",", ":"];

    private string? MatchKnownName(int start)
    {
        string? best = null;
        var bestEnd = start;
        foreach (var name in _multiWordNames)
        {
            var end = MatchFlexible(start, name);
            if (end > bestEnd && (end >= _text.Length || !IsNamePart(_text[end])))
            {
                best = name;
                bestEnd = end;
            }
        }
        if (best is not null)
        {
            _pos = bestEnd;
        }
        return best;
    }

    /// <summary>Matches <paramref name="name"/> at <paramref name="start"/>, where any run of whitespace matches a single space.</summary>
    private int MatchFlexible(int start, string name)
    {
        var i = start;
        var j = 0;
        while (j < name.Length)
        {
            if (i >= _text.Length)
            {
                return -1;
            }
            if (name[j] == ' ')
            {
                if (!char.IsWhiteSpace(_text[i]))
                {
                    return -1;
                }
                while (i < _text.Length && char.IsWhiteSpace(_text[i]))
                {
                    i++;
                }
                j++;
                continue;
            }
            if (_text[i] != name[j])
            {
                return -1;
            }
            i++;
            j++;
        }
        return i;
    }

    private Token LexNumber(int start)
    {
        while (_pos < _text.Length && char.IsDigit(_text[_pos]))
        {
            _pos++;
        }
        if (Peek(0) == '.' && Peek(1) is >= '0' and <= '9')
        {
            _pos++;
            while (_pos < _text.Length && char.IsDigit(_text[_pos]))
            {
                _pos++;
            }
        }
        if (Peek(0) is 'e' or 'E')
        {
            var save = _pos;
            _pos++;
            if (Peek(0) is '+' or '-')
            {
                _pos++;
            }
            if (Peek(0) is >= '0' and <= '9')
            {
                while (_pos < _text.Length && char.IsDigit(_text[_pos]))
                {
                    _pos++;
                }
            }
            else
            {
                _pos = save;
            }
        }
        return Make(TokenKind.Number, _text[start.._pos]);
    }

    private Token LexString(TokenKind kind)
    {
        _pos++;
        var sb = new StringBuilder();
        while (_pos < _text.Length)
        {
            var c = _text[_pos++];
            if (c == '"')
            {
                return Make(kind, sb.ToString());
            }
            if (c == '\n')
            {
                _line++;
                _lineStart = _pos;
            }
            if (c != '\\' || _pos >= _text.Length)
            {
                sb.Append(c);
                continue;
            }
            var e = _text[_pos++];
            switch (e)
            {
                case 'n': sb.Append('\n'); break;
                case 't': sb.Append('\t'); break;
                case 'r': sb.Append('\r'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'u' when TryHex(4, out var code):
                    sb.Append((char)code);
                    break;
                case 'U' when TryHex(6, out var wide):
                    // Code points that can't stand alone (beyond Unicode, or surrogates) become U+FFFD.
                    sb.Append(wide <= 0x10FFFF && wide is < 0xD800 or > 0xDFFF ? char.ConvertFromUtf32(wide) : "\uFFFD");
                    break;
                default:
                    if (e is not ('"' or '\\' or '\'' or '/'))
                    {
                        sb.Append('\\');
                    }
                    sb.Append(e);
                    break;
            }
        }
        return Make(TokenKind.Invalid, "unterminated string");
    }

    private bool TryHex(int digits, out int value)
    {
        value = 0;
        if (_pos + digits > _text.Length ||
            !int.TryParse(_text.AsSpan(_pos, digits), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out value))
        {
            return false;
        }
        _pos += digits;
        return true;
    }

    private void SkipTrivia()
    {
        while (_pos < _text.Length)
        {
            var c = _text[_pos];
            if (c == '\n')
            {
                _pos++;
                _line++;
                _lineStart = _pos;
            }
            else if (char.IsWhiteSpace(c))
            {
                _pos++;
            }
            else if (c == '/' && Peek(1) == '/')
            {
                while (_pos < _text.Length && _text[_pos] != '\n')
                {
                    _pos++;
                }
            }
            else if (c == '/' && Peek(1) == '*')
            {
                var close = _text.IndexOf("*/", _pos + 2, StringComparison.Ordinal);
                var end = close < 0 ? _text.Length : close + 2;
                while (_pos < end)
                {
                    if (_text[_pos++] == '\n')
                    {
                        _line++;
                        _lineStart = _pos;
                    }
                }
            }
            else
            {
                return;
            }
        }
    }

    private char Peek(int ahead) => _pos + ahead < _text.Length ? _text[_pos + ahead] : '\0';

    /// <summary>Positions are where the token began, even for strings that span lines.</summary>
    private Token Make(TokenKind kind, string text) => new(kind, text, _tokenLine, _tokenColumn);
}
