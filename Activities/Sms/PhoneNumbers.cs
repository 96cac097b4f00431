namespace Processes.Activities.Sms;

/// <summary>What the sms activity accepts as a phone number: 7–15 digits (E.164's limit), an optional leading +, spaces or dashes.</summary>
public static class PhoneNumbers
{
    public static bool IsPhoneNumber(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var body = text.Trim();
        if (body.StartsWith('+'))
        {
            body = body[1..];
        }
        var digits = 0;
        foreach (var c in body)
        {
            if (char.IsAsciiDigit(c))
            {
                digits++;
            }
            else if (c is not (' ' or '-'))
            {
                return false;
            }
        }
        return digits is >= 7 and <= 15;
    }
}
