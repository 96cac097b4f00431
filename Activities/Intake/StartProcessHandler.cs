using System.Globalization;
using System.Text.Json.Nodes;
using Processes.Activities.Shared;
using Processes.Engine.Execution;
using Processes.Engine.Jobs;

namespace Processes.Activities.Intake;

/// <summary>
/// Job type <c>start-process</c>: starts an instance of the process the model names (header <c>bpmnProcessId</c>,
/// optionally at <c>startElementId</c>, e.g. a message start event) in the job's tenant, with <c>startVariables</c> and
/// <c>businessKey</c> — the dedup key: a business key is unique per process, so an order pulled on every poll, or a job
/// run twice, starts one instance (the later runs answer <c>started</c> false). What to start is the model's; the data
/// (typically another system's payload) only fills variables and the key.
/// </summary>
internal sealed class StartProcessHandler(IProcessEngine engine) : IJobHandler
{
    public string Type => "start-process";

    public async Task<JobOutcome> HandleAsync(JobContext job, CancellationToken cancellationToken)
    {
        var processId = job.CustomHeaders["bpmnProcessId"]?.ToString();
        if (string.IsNullOrWhiteSpace(processId))
        {
            return JobOutcome.Fail($"{job.ElementId}: start-process needs the task header bpmnProcessId.", retryable: false);
        }
        var startElementId = job.CustomHeaders["startElementId"]?.ToString();
        var businessKey = JobInputs.Text(job, "businessKey");
        if (string.IsNullOrWhiteSpace(businessKey))
        {
            return JobOutcome.Fail($"{job.ElementId}: start-process needs the variable businessKey (the dedup key, e.g. the platform's order id).", retryable: false);
        }
        var variables = job.Variables["startVariables"] switch
        {
            JsonObject given => (JsonObject)given.DeepClone(),
            null => new JsonObject(),
            _ => null,
        };
        if (variables is null)
        {
            return JobOutcome.Fail($"{job.ElementId}: startVariables must be an object (the new instance's variables).", retryable: false);
        }
        var started = await engine.CreateInstanceAsync(processId, null, variables, businessKey, cancellationToken,
            string.IsNullOrWhiteSpace(startElementId) ? null : startElementId, job.TenantId);
        if (started.Error == CommandError.AlreadyExists)
        {
            return JobOutcome.Complete(new JsonObject { ["started"] = false, ["businessKey"] = businessKey });
        }
        if (!started.Ok)
        {
            // The model or the deployment is wrong (no such process, suspended, bad start element): an operator fixes it and retries.
            return JobOutcome.Fail($"{job.ElementId}: could not start '{processId}' for '{businessKey}': {started.Message}", retryable: false);
        }
        return JobOutcome.Complete(new JsonObject
        {
            ["started"] = true,
            ["businessKey"] = businessKey,
            ["startedInstanceKey"] = started.Value!.ProcessInstanceKey.ToString(CultureInfo.InvariantCulture),
        });
    }
}
