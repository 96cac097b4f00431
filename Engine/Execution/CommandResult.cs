namespace Processes.Engine.Execution;

/// <summary>Why a command was refused; the API maps each to its HTTP status.</summary>
public enum CommandError
{
    /// <summary>The key or id does not exist (404).</summary>
    NotFound,
    /// <summary>The request is well-formed but cannot apply to the current state (409).</summary>
    InvalidState,
    /// <summary>Another command won a race, or a stale version was given (409).</summary>
    Conflict,
    /// <summary>A value in the request is wrong (400/422).</summary>
    InvalidArgument,
    /// <summary>A duplicate (business key, message id) (409).</summary>
    AlreadyExists,
    /// <summary>The caller sees the target but may not do this to it (403): a task only its assignee completes.</summary>
    Forbidden,
}

/// <summary>The outcome of a command: a value, or a refusal with a message naming what is wrong.</summary>
public readonly record struct CommandResult<T>(T? Value, CommandError? Error, string? Message)
{
    public bool Ok => Error is null;

    public static CommandResult<T> Success(T value) => new(value, null, null);

    public static CommandResult<T> Fail(CommandError error, string message) => new(default, error, message);

    /// <summary>
    /// Submitted values refused field by field (a form field's value outside its catalogue): the API answers 422 with
    /// these as the problem's <c>errors</c>. Null for every other refusal.
    /// </summary>
    public IReadOnlyDictionary<string, string[]>? Fields { get; init; }

    /// <summary>A refusal of values by field (<see cref="Fields"/>); the message names each field and what is wrong with it.</summary>
    public static CommandResult<T> Invalid(IReadOnlyDictionary<string, string[]> fields) =>
        new(default, CommandError.InvalidArgument, string.Join(" ", fields.Select(f => $"{f.Key}: {string.Join(" ", f.Value)}"))) { Fields = fields };

    public CommandResult<TOther> As<TOther>() => new(default, Error, Message) { Fields = Fields };
}
