using System.Text.Json.Nodes;

namespace Processes.Tests.Api;

/// <summary>
/// Every search of Camunda 8.8's v2 API outside identity, with the filter fields and sort fields its request schema
/// lists, and a generator of random requests over them: plain values and filter objects (the right operators and
/// wrong ones), values of the right type and of wrong ones, unknown fields, sorts and pages with real and forged
/// cursors. The table was read from the Zod schemas of <c>@camunda8/orchestration-cluster-api</c> 8.8 (the client
/// the conformance suite runs), so a field the spec has and the host lacks shows up as a 400 here, never as silence.
/// </summary>
internal sealed class SearchRequestGenerator(Random random, IReadOnlyList<string> keys)
{
    /// <summary>A search: its path (with <c>{userTask}</c> / <c>{instance}</c> for a key), filter fields (name=kind), sort fields.</summary>
    public sealed record Search(string Path, string Filter, string Sort)
    {
        public IReadOnlyList<(string Name, string Kind)> Fields => [.. Filter.Split(';', StringSplitOptions.RemoveEmptyEntries)
            .Select(f => f.Split('=', 2)).Select(p => (p[0], p[1]))];

        public IReadOnlyList<string> SortFields => Sort.Split(',', StringSplitOptions.RemoveEmptyEntries);
    }

    public static readonly IReadOnlyList<Search> Searches =
    [
        new("/v2/user-tasks/search",
            "state=enum:CREATING|CREATED|ASSIGNING|UPDATING|COMPLETING|COMPLETED|CANCELING|CANCELED|FAILED+ops;assignee=text+ops;priority=int+ops;elementId=text;name=text;candidateGroup=text+ops;candidateUser=text+ops;tenantId=text+ops;processDefinitionId=text;creationDate=date+ops;completionDate=date+ops;followUpDate=date+ops;dueDate=date+ops;processInstanceVariables=vars;localVariables=vars;userTaskKey=key;processDefinitionKey=key;processInstanceKey=key;elementInstanceKey=key",
            "creationDate,completionDate,followUpDate,dueDate,priority,name"),
        new("/v2/user-tasks/{userTask}/variables/search",
            "name=text+ops",
            "value,name,tenantId,variableKey,scopeKey,processInstanceKey"),
        new("/v2/variables/search",
            "name=text+ops;value=text+ops;tenantId=text;isTruncated=bool;variableKey=key+ops;scopeKey=key+ops;processInstanceKey=key+ops",
            "value,name,tenantId,variableKey,scopeKey,processInstanceKey"),
        new("/v2/process-definitions/search",
            "name=text+ops;isLatestVersion=bool;resourceName=text;version=int;versionTag=text;processDefinitionId=text+ops;tenantId=text;processDefinitionKey=key;hasStartForm=bool",
            "processDefinitionKey,name,resourceName,version,versionTag,processDefinitionId,tenantId"),
        new("/v2/process-instances/search",
            "startDate=date+ops;endDate=date+ops;state=enum:ACTIVE|COMPLETED|TERMINATED+ops;hasIncident=bool;tenantId=text+ops;variables=vars;processInstanceKey=key+ops;parentProcessInstanceKey=key+ops;parentElementInstanceKey=key+ops;batchOperationId=text+ops;errorMessage=text+ops;hasRetriesLeft=bool;elementInstanceState=enum:ACTIVE|COMPLETED|TERMINATED+ops;elementId=text+ops;hasElementInstanceIncident=bool;incidentErrorHashCode=int+ops;tags=tags;processDefinitionId=text+ops;processDefinitionName=text+ops;processDefinitionVersion=int+ops;processDefinitionVersionTag=text+ops;processDefinitionKey=key+ops;$or=or",
            "processInstanceKey,processDefinitionId,processDefinitionName,processDefinitionVersion,processDefinitionVersionTag,processDefinitionKey,parentProcessInstanceKey,parentElementInstanceKey,startDate,endDate,state,hasIncident,tenantId"),
        new("/v2/process-instances/{instance}/incidents/search",
            "",
            "incidentKey,processDefinitionKey,processDefinitionId,processInstanceKey,errorType,errorMessage,elementId,elementInstanceKey,creationTime,state,jobKey,tenantId"),
        new("/v2/element-instances/search",
            "processDefinitionId=text;state=enum:ACTIVE|COMPLETED|TERMINATED+ops;type=enum:UNSPECIFIED|PROCESS|SUB_PROCESS|EVENT_SUB_PROCESS|AD_HOC_SUB_PROCESS|AD_HOC_SUB_PROCESS_INNER_INSTANCE|START_EVENT|INTERMEDIATE_CATCH_EVENT|INTERMEDIATE_THROW_EVENT|BOUNDARY_EVENT|END_EVENT|SERVICE_TASK|RECEIVE_TASK|USER_TASK|MANUAL_TASK|TASK|EXCLUSIVE_GATEWAY|INCLUSIVE_GATEWAY|PARALLEL_GATEWAY|EVENT_BASED_GATEWAY|SEQUENCE_FLOW|MULTI_INSTANCE_BODY|CALL_ACTIVITY|BUSINESS_RULE_TASK|SCRIPT_TASK|SEND_TASK|UNKNOWN;elementId=text;elementName=text;hasIncident=bool;tenantId=text;elementInstanceKey=key;processInstanceKey=key;processDefinitionKey=key;incidentKey=key;startDate=date+ops;endDate=date+ops;elementInstanceScopeKey=key",
            "elementInstanceKey,processInstanceKey,processDefinitionKey,processDefinitionId,startDate,endDate,elementId,elementName,type,state,incidentKey,tenantId"),
        new("/v2/decision-definitions/search",
            "decisionDefinitionId=text;name=text;version=int;decisionRequirementsId=text;tenantId=text;decisionDefinitionKey=key;decisionRequirementsKey=key",
            "decisionDefinitionKey,decisionDefinitionId,name,version,decisionRequirementsId,decisionRequirementsKey,tenantId"),
        new("/v2/incidents/search",
            "processDefinitionId=text;errorType=enum:UNSPECIFIED|UNKNOWN|IO_MAPPING_ERROR|JOB_NO_RETRIES|EXECUTION_LISTENER_NO_RETRIES|TASK_LISTENER_NO_RETRIES|AD_HOC_SUB_PROCESS_NO_RETRIES|CONDITION_ERROR|EXTRACT_VALUE_ERROR|CALLED_ELEMENT_ERROR|UNHANDLED_ERROR_EVENT|MESSAGE_SIZE_EXCEEDED|CALLED_DECISION_ERROR|DECISION_EVALUATION_ERROR|FORM_NOT_FOUND|RESOURCE_NOT_FOUND;errorMessage=text;elementId=text;creationTime=date+ops;state=enum:ACTIVE|MIGRATED|RESOLVED|PENDING;tenantId=text;incidentKey=key;processDefinitionKey=key;processInstanceKey=key;elementInstanceKey=key;jobKey=key",
            "incidentKey,processDefinitionKey,processDefinitionId,processInstanceKey,errorType,errorMessage,elementId,elementInstanceKey,creationTime,state,jobKey,tenantId"),
        new("/v2/correlated-message-subscriptions/search",
            "correlationKey=text+ops;correlationTime=date+ops;elementId=text+ops;elementInstanceKey=key+ops;messageKey=key+ops;messageName=text+ops;partitionId=int+ops;processDefinitionId=text+ops;processDefinitionKey=key+ops;processInstanceKey=key+ops;subscriptionKey=key+ops;tenantId=text+ops",
            "correlationKey,correlationTime,elementId,elementInstanceKey,messageKey,messageName,partitionId,processDefinitionId,processDefinitionKey,processInstanceKey,subscriptionKey,tenantId"),
        new("/v2/message-subscriptions/search",
            "messageSubscriptionKey=key+ops;processDefinitionId=text+ops;processInstanceKey=key+ops;elementId=text+ops;elementInstanceKey=key+ops;messageSubscriptionState=enum:CORRELATED|CREATED|DELETED|MIGRATED+ops;lastUpdatedDate=date+ops;messageName=text+ops;correlationKey=text+ops;tenantId=text+ops",
            "messageSubscriptionKey,processDefinitionId,processInstanceKey,elementId,elementInstanceKey,messageSubscriptionState,lastUpdatedDate,messageName,correlationKey,tenantId"),
        new("/v2/jobs/search",
            "deadline=date+ops;deniedReason=text+ops;elementId=text+ops;elementInstanceKey=key+ops;endTime=date+ops;errorCode=text+ops;errorMessage=text+ops;hasFailedWithRetriesLeft=bool;isDenied=bool;jobKey=key+ops;kind=enum:BPMN_ELEMENT|EXECUTION_LISTENER|TASK_LISTENER|AD_HOC_SUB_PROCESS+ops;listenerEventType=enum:ASSIGNING|CANCELING|COMPLETING|CREATING|END|START|UNSPECIFIED|UPDATING+ops;processDefinitionId=text+ops;processDefinitionKey=key+ops;processInstanceKey=key+ops;retries=int+ops;state=enum:CANCELED|COMPLETED|CREATED|ERROR_THROWN|FAILED|MIGRATED|RETRIES_UPDATED|TIMED_OUT+ops;tenantId=text+ops;type=text+ops;worker=text+ops",
            "deadline,deniedReason,elementId,elementInstanceKey,endTime,errorCode,errorMessage,isDenied,jobKey,kind,listenerEventType,processDefinitionId,processDefinitionKey,processInstanceKey,retries,state,tenantId,type,worker"),
        new("/v2/decision-requirements/search",
            "decisionRequirementsName=text;version=int;decisionRequirementsId=text;tenantId=text;decisionRequirementsKey=key;resourceName=text",
            "decisionRequirementsKey,decisionRequirementsName,version,decisionRequirementsId,tenantId"),
        new("/v2/decision-instances/search",
            "decisionEvaluationInstanceKey=key;state=enum:EVALUATED|FAILED|UNSPECIFIED|UNKNOWN;evaluationFailure=text;evaluationDate=date+ops;decisionDefinitionId=text;decisionDefinitionName=text;decisionDefinitionVersion=int;decisionDefinitionType=enum:DECISION_TABLE|LITERAL_EXPRESSION|UNSPECIFIED|UNKNOWN;tenantId=text;decisionEvaluationKey=key;processDefinitionKey=key;processInstanceKey=key;decisionDefinitionKey=key+ops;elementInstanceKey=key+ops",
            "decisionDefinitionId,decisionDefinitionKey,decisionDefinitionName,decisionDefinitionType,decisionDefinitionVersion,decisionEvaluationInstanceKey,decisionEvaluationKey,elementInstanceKey,evaluationDate,evaluationFailure,processDefinitionKey,processInstanceKey,state,tenantId"),
        new("/v2/batch-operations/search",
            "batchOperationKey=key+ops;operationType=enum:CANCEL_PROCESS_INSTANCE|RESOLVE_INCIDENT|MIGRATE_PROCESS_INSTANCE|MODIFY_PROCESS_INSTANCE|DELETE_PROCESS_INSTANCE|ADD_VARIABLE|UPDATE_VARIABLE|DELETE_DECISION_DEFINITION|DELETE_PROCESS_DEFINITION+ops;state=enum:ACTIVE|CANCELED|COMPLETED|CREATED|FAILED|PARTIALLY_COMPLETED|SUSPENDED+ops",
            "batchOperationKey,operationType,state,startDate,endDate"),
        new("/v2/batch-operation-items/search",
            "batchOperationKey=key+ops;itemKey=key+ops;processInstanceKey=key+ops;state=enum:ACTIVE|COMPLETED|CANCELED|FAILED+ops",
            "batchOperationKey,itemKey,processInstanceKey,state")
    ];

    private static readonly string[] Operators = ["$eq", "$neq", "$in", "$notIn", "$exists", "$like", "$gt", "$gte", "$lt", "$lte"];
    private static readonly string[] Texts = ["", "a", "work", "conformance-child", "w*", "*o?k*", "%", "_", "é€😀", "x\u0000y", "'; DROP TABLE x; --", new string('z', 300)];
    private static readonly string[] Dates = ["2026-12-07T10:00:00Z", "2026-12-07T10:00:00.123+01:00", "2000-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "2026-13-45T00:00:00Z", "yesterday", "2026-12-07"];

    public JsonObject Body(Search search, IReadOnlyList<string> cursors)
    {
        var body = new JsonObject();
        if (Chance(0.85))
        {
            body["filter"] = Chance(0.03) ? JsonValue.Create("not an object") : Filter(search, nested: false);
        }
        if (Chance(0.5))
        {
            var sort = new JsonArray();
            for (var i = Next(1, 3); i > 0; i--)
            {
                var field = Chance(0.9) && search.SortFields.Count > 0 ? Pick(search.SortFields) : "noSuchField";
                var by = new JsonObject { ["field"] = field };
                if (Chance(0.7))
                {
                    by["order"] = Pick(["ASC", "DESC", "asc", "desc", "SIDEWAYS"]);
                }
                sort.Add(by);
            }
            body["sort"] = sort;
        }
        if (Chance(0.6))
        {
            body["page"] = Page(cursors);
        }
        return body;
    }

    private JsonObject Filter(Search search, bool nested)
    {
        var filter = new JsonObject();
        var fields = search.Fields;
        for (var i = Next(0, Math.Min(4, fields.Count) + 1); i > 0 && fields.Count > 0; i--)
        {
            var (name, kind) = Pick(fields);
            if (kind == "or")
            {
                if (!nested)
                {
                    filter[name] = new JsonArray(Filter(search, nested: true), Filter(search, nested: true));
                }
                continue;
            }
            // The tenant filter takes tenant ids: mostly one that exists, sometimes one that does not or cannot.
            filter[name] = name == "tenantId" && !Chance(0.08) ? Value(kind.Replace("text", "tenant", StringComparison.Ordinal)) : Value(kind);
        }
        if (Chance(0.05))
        {
            filter["noSuchFilterField"] = "x";
        }
        return filter;
    }

    private JsonNode? Value(string kind)
    {
        var withOps = kind.EndsWith("+ops", StringComparison.Ordinal);
        var type = withOps ? kind[..^4] : kind;
        if (Chance(0.08))
        {
            return Wrong();
        }
        if (withOps && Chance(0.6) || Chance(0.05))
        {
            var ops = new JsonObject();
            for (var i = Next(1, 3); i > 0; i--)
            {
                var op = Pick(Operators);
                ops[op] = op switch
                {
                    "$exists" => Chance(0.9) ? JsonValue.Create(Chance(0.5)) : Wrong(),
                    "$in" or "$notIn" => Chance(0.9) ? new JsonArray([.. Enumerable.Range(0, Next(0, 4)).Select(_ => Plain(type))]) : Plain(type),
                    _ => Plain(type),
                };
            }
            return ops;
        }
        return Plain(type);
    }

    private JsonNode? Plain(string type) => type switch
    {
        "key" => Chance(0.7) && keys.Count > 0 ? JsonValue.Create(Pick(keys)) : JsonValue.Create(Pick(["0", "-1", "1", "9223372036854775807", "9223372036854775808", "12ab", ""])),
        "text" => JsonValue.Create(Pick(Texts)),
        "tenant" => JsonValue.Create(Pick(["<default>", "<default>", "<default>", "no-such-tenant", "not a tenant id!"])),
        "date" => JsonValue.Create(Pick(Dates)),
        "int" => Chance(0.8) ? JsonValue.Create(Next(-2, 100)) : JsonNode.Parse(Pick(["1e20", "1.5", "-2147483649", "\"7\""])),
        "bool" => Chance(0.9) ? JsonValue.Create(Chance(0.5)) : JsonValue.Create("true"),
        "vars" => new JsonArray([.. Enumerable.Range(0, Next(0, 3)).Select(_ => (JsonNode)new JsonObject
        {
            ["name"] = Pick(["orderId", "amount", "missing", ""]),
            ["value"] = Chance(0.8) ? JsonValue.Create(Pick(["\"O-prop\"", "1200", "{", "null", "[1,2]", "\"é\""])) : new JsonObject { ["$eq"] = "\"O-prop\"" },
        })]),
        "tags" => new JsonArray([.. Enumerable.Range(0, Next(0, 3)).Select(_ => (JsonNode?)JsonValue.Create(Pick(["vip", "a:b", "", "é"])))]),
        _ when type.StartsWith("enum:", StringComparison.Ordinal) => JsonValue.Create(Chance(0.85) ? Pick(type[5..].Split('|')) : Pick(["active", "NOPE", ""])),
        _ => JsonValue.Create("?"),
    };

    private JsonNode? Wrong() => Next(0, 6) switch
    {
        0 => null,
        1 => JsonValue.Create(true),
        2 => JsonValue.Create(3.25),
        3 => new JsonArray(JsonValue.Create("a"), new JsonObject()),
        4 => new JsonObject { ["$nope"] = 1 },
        _ => new JsonObject(),
    };

    private JsonObject Page(IReadOnlyList<string> cursors)
    {
        var page = new JsonObject();
        if (Chance(0.7))
        {
            page["limit"] = Chance(0.85) ? Next(1, 20) : Pick([0, -1, 10001, 100000]);
        }
        switch (Next(0, 5))
        {
            case 0:
                page["from"] = Chance(0.9) ? Next(0, 10) : -3;
                break;
            case 1 when cursors.Count > 0:
                page["after"] = Pick(cursors);
                break;
            case 2 when cursors.Count > 0:
                page["before"] = Pick(cursors);
                break;
            case 3:
                page[Chance(0.5) ? "after" : "before"] = Pick(["", "abc", "0", "eyJ4IjoxfQ==", "WzEsIjIiXQ", Convert.ToBase64String(Guid.NewGuid().ToByteArray())]);
                break;
        }
        if (Chance(0.03))
        {
            page["from"] = 1;
            page["after"] = cursors.Count > 0 ? Pick(cursors) : "abc";
        }
        return page;
    }

    public string Path(Search search, string userTaskKey, string instanceKey) =>
        search.Path.Replace("{userTask}", userTaskKey, StringComparison.Ordinal).Replace("{instance}", instanceKey, StringComparison.Ordinal);

    private bool Chance(double p) => random.NextDouble() < p;

    private int Next(int min, int max) => random.Next(min, max);

    private T Pick<T>(IReadOnlyList<T> items) => items[random.Next(items.Count)];
}
