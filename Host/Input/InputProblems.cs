using Microsoft.AspNetCore.Mvc;

namespace Processes.Host.Input;

/// <summary>Camunda's problem+json for input that never reached a handler: 400 INVALID_ARGUMENT, 413 PAYLOAD_TOO_LARGE.</summary>
internal static class InputProblems
{
    public static IResult BadRequest(string detail, string? field = null) => Problem(StatusCodes.Status400BadRequest, "INVALID_ARGUMENT", detail, field);

    public static IResult TooLarge(string detail, string? field = null) => Problem(StatusCodes.Status413PayloadTooLarge, "PAYLOAD_TOO_LARGE", detail, field);

    private static IResult Problem(int status, string title, string detail, string? field)
    {
        var problem = new ProblemDetails { Status = status, Title = title, Detail = detail };
        if (field is not null)
        {
            problem.Extensions["field"] = field;
        }
        return TypedResults.Problem(problem);
    }
}
