// Drives a running Processes host with Camunda's own 8.8 client (@camunda8/orchestration-cluster-api 8.8.4) and its
// response validation (the client's Zod schemas of the 8.8 spec, strict): every operation the host implements is
// called on a scenario the script makes itself, and each counts as conforming only if the call succeeded and the
// client accepted its answer. Prints one line per operation and, last, "N of M operations conform".
//
//   PROCESSES_URL=http://127.0.0.1:5080 PROCESSES_USER=<user> PROCESSES_KEY=<api key> node conformance.mjs
//
// The user needs the roles designer, agent, supervisor and operator (or admin); the clock operations need admin and
// a host started with Processes:Clock:Controllable=true. Exit code 0 when every operation conforms.
import { readFileSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import createCamundaClient from '@camunda8/orchestration-cluster-api';
import { operations, identityOperations } from './operations.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const url = process.env.PROCESSES_URL;
const user = process.env.PROCESSES_USER;
const key = process.env.PROCESSES_KEY;
if (!url || !user || !key) {
  console.error('Set PROCESSES_URL, PROCESSES_USER and PROCESSES_KEY (a user name and one of its API keys).');
  process.exit(2);
}

const camunda = createCamundaClient({
  config: {
    CAMUNDA_REST_ADDRESS: url,
    CAMUNDA_AUTH_STRATEGY: 'BASIC',
    CAMUNDA_BASIC_AUTH_USERNAME: user,
    CAMUNDA_BASIC_AUTH_PASSWORD: key,
    CAMUNDA_SDK_VALIDATION: 'req:strict,res:strict',
    CAMUNDA_SDK_HTTP_RETRY_MAX_ATTEMPTS: 1,
    CAMUNDA_SDK_LOG_LEVEL: 'silent',
  },
});

// Camunda 8.8's operations, and whether Processes implements each (operations.mjs: the README's table too); the
// identity operations Processes does not implement are checked to answer 501 instead.
const notImplemented = operations.filter(o => !o.implemented).map(o => o.operation);

// Where Camunda 8.8's own server answers what its 8.8 client schema refuses, Processes may answer as the server does; such
// an answer counts apart, and only when every issue is on the field named here. None left: evaluateDecision's
// failedDecisionDefinitionId is "-" when nothing failed (Camunda sends "", which the schema refuses).
const knownDisagreements = {};

const now = { consistency: { waitUpToMs: 0 } };
const results = new Map();

async function check(operation, call) {
  try {
    const value = await call();
    if (!results.has(operation)) results.set(operation, { ok: true });
    return value;
  } catch (error) {
    let kind = error?.name === 'CamundaValidationError' || /validation/i.test(error?.message ?? '') ? 'schema' : 'call';
    const known = knownDisagreements[operation];
    if (kind === 'schema' && known && Array.isArray(error.issues) && error.issues.length > 0 && error.issues.every(i => String(i).startsWith(known))) {
      kind = 'known';
    }
    const issues = error?.issues ? ' ' + JSON.stringify(error.issues) : '';
    const detail = (String(error?.message ?? error) + issues).replace(/\s+/g, ' ').slice(0, 600);
    results.set(operation, { ok: false, kind, detail });
    return undefined;
  }
}

const orderId = `O-${Date.now()}`;
const files = readdirSync(join(here, 'models')).sort().map(name => new File([readFileSync(join(here, 'models', name))], name));

// Cluster
await check('getTopology', () => camunda.getTopology());
await check('getLicense', () => camunda.getLicense());
await check('getStatus', () => camunda.getStatus());

// Deploy and start: a parent calling a child that waits on a job, a user task and a message.
const deployment = await check('createDeployment', () => camunda.createDeployment({ resources: files }));
const childDefinition = deployment?.deployments?.find(d => d.processDefinition?.processDefinitionId === 'conformance-child')?.processDefinition;
const decision = deployment?.deployments?.find(d => d.decisionDefinition)?.decisionDefinition;
const requirements = deployment?.deployments?.find(d => d.decisionRequirements)?.decisionRequirements;
const parent = await check('createProcessInstance', () => camunda.createProcessInstance({
  processDefinitionId: 'conformance-parent', variables: { orderId, amount: 1200 },
}));
const children = await check('searchProcessInstances', () => camunda.searchProcessInstances({
  filter: { parentProcessInstanceKey: parent?.processInstanceKey },
}, now));
const child = children?.items?.[0];

// Process definitions
await check('searchProcessDefinitions', () => camunda.searchProcessDefinitions({ filter: { processDefinitionId: 'conformance-child' } }, now));
if (childDefinition) {
  const definitionKey = childDefinition.processDefinitionKey;
  await check('getProcessDefinition', () => camunda.getProcessDefinition({ processDefinitionKey: definitionKey }, now));
  await check('getProcessDefinitionXml', () => camunda.getProcessDefinitionXml({ processDefinitionKey: definitionKey }, now));
  await check('getStartProcessForm', () => camunda.getStartProcessForm({ processDefinitionKey: definitionKey }, now));
  await check('getProcessDefinitionStatistics', () => camunda.getProcessDefinitionStatistics({ processDefinitionKey: definitionKey }, now));
  await check('getResource', () => camunda.getResource({ resourceKey: definitionKey }));
  await check('getResourceContent', () => camunda.getResourceContent({ resourceKey: definitionKey }));
}

// Jobs and incidents
const activated = await check('activateJobs', () => camunda.activateJobs({ type: 'conformance-work', worker: 'conformance', timeout: 60000, maxJobsToActivate: 1 }));
const job = activated?.jobs?.[0];
if (job) {
  await check('failJob', () => camunda.failJob({ jobKey: job.jobKey, retries: 0, errorMessage: 'failed by the conformance run' }));
}
await check('searchJobs', () => camunda.searchJobs({ filter: { type: 'conformance-work' } }, now));
const incidents = await check('searchIncidents', () => camunda.searchIncidents({ filter: { processInstanceKey: child?.processInstanceKey } }, now));
const incident = incidents?.items?.[0];
if (child) {
  await check('getProcessInstance', () => camunda.getProcessInstance({ processInstanceKey: child.processInstanceKey }, now));
  await check('getProcessInstanceCallHierarchy', () => camunda.getProcessInstanceCallHierarchy({ processInstanceKey: child.processInstanceKey }, now));
  await check('getProcessInstanceSequenceFlows', () => camunda.getProcessInstanceSequenceFlows({ processInstanceKey: child.processInstanceKey }, now));
  await check('getProcessInstanceStatistics', () => camunda.getProcessInstanceStatistics({ processInstanceKey: child.processInstanceKey }, now));
  await check('searchProcessInstanceIncidents', () => camunda.searchProcessInstanceIncidents({ processInstanceKey: child.processInstanceKey }, now));
  const elements = await check('searchElementInstances', () => camunda.searchElementInstances({ filter: { processInstanceKey: child.processInstanceKey } }, now));
  const work = elements?.items?.find(e => e.elementId === 'work');
  if (work) {
    await check('getElementInstance', () => camunda.getElementInstance({ elementInstanceKey: work.elementInstanceKey }, now));
  }
  await check('createElementInstanceVariables', () => camunda.createElementInstanceVariables({
    elementInstanceKey: child.processInstanceKey, variables: { checkedBy: 'conformance' },
  }));
  const variables = await check('searchVariables', () => camunda.searchVariables({ filter: { processInstanceKey: child.processInstanceKey } }, now));
  if (variables?.items?.[0]) {
    await check('getVariable', () => camunda.getVariable({ variableKey: variables.items[0].variableKey }, now));
  }
}
if (incident) {
  await check('getIncident', () => camunda.getIncident({ incidentKey: incident.incidentKey }, now));
  // As in Camunda: give the job retries, then resolve its incident.
  await check('updateJob', () => camunda.updateJob({ jobKey: incident.jobKey, changeset: { retries: 2 } }));
  await check('resolveIncident', () => camunda.resolveIncident({ incidentKey: incident.incidentKey }));
}
// Two more children, tagged (a run tag both hold, one tag each): one job completed, one ending in a BPMN error. A search
// by both tags answers exactly its instance, and the jobs carry their instance's tags.
const runTag = `run:${orderId}`;
const tagged = new Map();
for (const n of [1, 2]) {
  const started = await check('createProcessInstance', () => camunda.createProcessInstance({
    processDefinitionId: 'conformance-child', variables: { orderId: `${orderId}-${n}` }, tags: [runTag, `child-${n}`],
  }));
  if (started) tagged.set(started.processInstanceKey, started.tags);
}
const mismatch = (what, got, want) => { throw new Error(`${what}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`); };
await check('searchProcessInstances', async () => {
  const found = await camunda.searchProcessInstances({ filter: { tags: [runTag, 'child-1'] } }, now);
  const want = [...tagged].filter(([, tags]) => tags?.includes('child-1')).map(([k]) => k);
  const got = found.items.map(i => i.processInstanceKey);
  if (got.length !== 1 || got[0] !== want[0]) mismatch('a search by tags', got, want);
  if (JSON.stringify(found.items[0].tags) !== JSON.stringify([runTag, 'child-1'])) mismatch('the found instance\'s tags', found.items[0].tags, [runTag, 'child-1']);
  return found;
});
const more = await check('activateJobs', async () => {
  const activation = await camunda.activateJobs({ type: 'conformance-work', worker: 'conformance', timeout: 60000, maxJobsToActivate: 2 });
  for (const j of activation.jobs) {
    const want = tagged.get(j.processInstanceKey) ?? [];
    if (JSON.stringify(j.tags ?? []) !== JSON.stringify(want)) mismatch(`job ${j.jobKey}'s tags`, j.tags, want);
  }
  return activation;
});
if (more?.jobs?.length === 2) {
  await check('completeJob', () => camunda.completeJob({ jobKey: more.jobs[0].jobKey, variables: { worked: true } }));
  await check('throwJobError', () => camunda.throwJobError({ jobKey: more.jobs[1].jobKey, errorCode: 'NOT_CAUGHT', errorMessage: 'no catch event' }));
}

// User tasks
const tasks = await check('searchUserTasks', () => camunda.searchUserTasks({ filter: { processInstanceKey: child?.processInstanceKey } }, now));
const task = tasks?.items?.[0];
if (task) {
  const userTaskKey = task.userTaskKey;
  await check('getUserTask', () => camunda.getUserTask({ userTaskKey }, now));
  await check('getUserTaskForm', () => camunda.getUserTaskForm({ userTaskKey }, now));
  await check('searchUserTaskVariables', () => camunda.searchUserTaskVariables({ userTaskKey }, now));
  await check('assignUserTask', () => camunda.assignUserTask({ userTaskKey, assignee: user, allowOverride: true }));
  await check('updateUserTask', () => camunda.updateUserTask({ userTaskKey, changeset: { priority: 80 } }));
  await check('unassignUserTask', () => camunda.unassignUserTask({ userTaskKey }));
  await check('assignUserTask', () => camunda.assignUserTask({ userTaskKey, assignee: user }));
  await check('completeUserTask', () => camunda.completeUserTask({ userTaskKey, variables: { reviewed: true } }));
}

// Messages and signals
await check('searchMessageSubscriptions', () => camunda.searchMessageSubscriptions({ filter: { messageName: 'conformance-ping' } }, now));
await check('correlateMessage', () => camunda.correlateMessage({ name: 'conformance-ping', correlationKey: orderId, variables: { pinged: true } }));
await check('searchCorrelatedMessageSubscriptions', () => camunda.searchCorrelatedMessageSubscriptions({ filter: { messageName: 'conformance-ping' } }, now));
await check('publishMessage', () => camunda.publishMessage({ name: 'conformance-ping', correlationKey: `${orderId}-none`, timeToLive: 1000 }));
await check('broadcastSignal', () => camunda.broadcastSignal({ signalName: 'conformance-signal' }));

// Decisions
const evaluation = await check('evaluateDecision', () => camunda.evaluateDecision({ decisionDefinitionId: 'conformance-tier', variables: { amount: 1500 } }));
const decisionInstances = await check('searchDecisionInstances', () => camunda.searchDecisionInstances({ filter: { decisionDefinitionId: 'conformance-tier' } }, now));
const decisionInstanceKey = evaluation?.evaluatedDecisions?.[0]?.decisionEvaluationInstanceKey ?? decisionInstances?.items?.[0]?.decisionEvaluationInstanceKey;
if (decisionInstanceKey) {
  await check('getDecisionInstance', () => camunda.getDecisionInstance({ decisionEvaluationInstanceKey: decisionInstanceKey }, now));
}
const day = 24 * 60 * 60 * 1000;
await check('getUsageMetrics', () => camunda.getUsageMetrics({
  startTime: new Date(Date.now() - day).toISOString(), endTime: new Date(Date.now() + day).toISOString(), withTenants: true,
}, now));
await check('searchDecisionDefinitions', () => camunda.searchDecisionDefinitions({ filter: { decisionDefinitionId: 'conformance-tier' } }, now));
if (decision) {
  await check('getDecisionDefinition', () => camunda.getDecisionDefinition({ decisionDefinitionKey: decision.decisionDefinitionKey }, now));
  await check('getDecisionDefinitionXml', () => camunda.getDecisionDefinitionXml({ decisionDefinitionKey: decision.decisionDefinitionKey }, now));
}
await check('searchDecisionRequirements', () => camunda.searchDecisionRequirements({ filter: { decisionRequirementsId: 'conformance-drg' } }, now));
if (requirements) {
  await check('getDecisionRequirements', () => camunda.getDecisionRequirements({ decisionRequirementsKey: requirements.decisionRequirementsKey }, now));
  await check('getDecisionRequirementsXml', () => camunda.getDecisionRequirementsXml({ decisionRequirementsKey: requirements.decisionRequirementsKey }, now));
}

// Clock and cancellation
await check('pinClock', () => camunda.pinClock({ timestamp: Date.now() }));
await check('resetClock', () => camunda.resetClock());
const doomed = await check('createProcessInstance', () => camunda.createProcessInstance({ processDefinitionId: 'conformance-child', variables: { orderId: `${orderId}-x` } }));
// The doomed instance modified: its review task replaced by a new one, with a variable, in one modification.
if (doomed) {
  const doomedElements = await check('searchElementInstances', () => camunda.searchElementInstances({
    filter: { processInstanceKey: doomed.processInstanceKey, elementId: 'review' },
  }, now));
  const review = doomedElements?.items?.[0];
  if (review) {
    await check('modifyProcessInstance', () => camunda.modifyProcessInstance({
      processInstanceKey: doomed.processInstanceKey,
      activateInstructions: [{ elementId: 'review', variableInstructions: [{ variables: { reviewedAgain: true } }] }],
      terminateInstructions: [{ elementInstanceKey: review.elementInstanceKey }],
    }));
  }
}
// An ad-hoc sub-process waits for its activities: one activated (with a variable) completes it and its instance.
const adHoc = await check('createProcessInstance', () => camunda.createProcessInstance({ processDefinitionId: 'conformance-adhoc' }));
if (adHoc) {
  const checks = await check('searchElementInstances', () => camunda.searchElementInstances({
    filter: { processInstanceKey: adHoc.processInstanceKey, elementId: 'checks' },
  }, now));
  const checksKey = checks?.items?.[0]?.elementInstanceKey;
  if (checksKey) {
    await check('activateAdHocSubProcessActivities', () => camunda.activateAdHocSubProcessActivities({
      adHocSubProcessInstanceKey: checksKey, elements: [{ elementId: 'note', variables: { noted: true } }],
    }));
  }
}
// A second version of the child, and the doomed instance moved onto it before it is cancelled.
const childV2 = readFileSync(join(here, 'models', 'conformance-child.bpmn'), 'utf8')
  .replace('<bpmn:process id="conformance-child"', '<bpmn:process id="conformance-child" name="Conformance child v2"');
const v2 = await check('createDeployment', () => camunda.createDeployment({ resources: [new File([childV2], 'conformance-child.bpmn')] }));
const v2Key = v2?.deployments?.find(d => d.processDefinition)?.processDefinition?.processDefinitionKey;
if (doomed && v2Key) {
  await check('migrateProcessInstance', () => camunda.migrateProcessInstance({
    processInstanceKey: doomed.processInstanceKey, targetProcessDefinitionKey: v2Key, mappingInstructions: [],
  }));
}
// Batch operations over the doomed instance (and, for incidents, the first child): created, then read, searched and
// driven through suspension, resumption and cancellation while the engine runs their items.
if (doomed) {
  const only = { processInstanceKey: doomed.processInstanceKey };
  // Two batches over twenty fresh instances each, each suspended at once: the engine wakes its batch runner when a batch
  // commits and runs one item per command, so twenty items keep the batch active while the suspension arrives (it
  // stops between items). One is then cancelled, the other resumed (and run).
  const fresh = async (tag) => {
    const keys = [];
    for (let n = 0; n < 20; n++) {
      const started = await check('createProcessInstance', () => camunda.createProcessInstance({ processDefinitionId: 'conformance-child', variables: { orderId: `${orderId}-${tag}${n}` } }));
      if (started) keys.push(started.processInstanceKey);
    }
    return { processInstanceKey: { $in: keys } };
  };
  const cancelled = await check('cancelProcessInstancesBatchOperation', async () => camunda.cancelProcessInstancesBatchOperation({ filter: await fresh('b') }, now));
  if (cancelled) {
    await check('suspendBatchOperation', () => camunda.suspendBatchOperation({ batchOperationKey: cancelled.batchOperationKey }, now));
    await check('cancelBatchOperation', () => camunda.cancelBatchOperation({ batchOperationKey: cancelled.batchOperationKey }, now));
    await check('getBatchOperation', () => camunda.getBatchOperation({ batchOperationKey: cancelled.batchOperationKey }, now));
    await check('searchBatchOperationItems', () => camunda.searchBatchOperationItems({ filter: { batchOperationKey: cancelled.batchOperationKey } }, now));
  }
  const resumed = await check('cancelProcessInstancesBatchOperation', async () => camunda.cancelProcessInstancesBatchOperation({ filter: await fresh('r') }, now));
  if (resumed) {
    await check('suspendBatchOperation', () => camunda.suspendBatchOperation({ batchOperationKey: resumed.batchOperationKey }, now));
    await check('resumeBatchOperation', () => camunda.resumeBatchOperation({ batchOperationKey: resumed.batchOperationKey }, now));
  }
  await check('resolveIncidentsBatchOperation', () => camunda.resolveIncidentsBatchOperation({ filter: { processInstanceKey: child?.processInstanceKey } }, now));
  if (v2Key) {
    await check('migrateProcessInstancesBatchOperation', () => camunda.migrateProcessInstancesBatchOperation({
      filter: only, migrationPlan: { targetProcessDefinitionKey: v2Key, mappingInstructions: [] },
    }, now));
  }
  await check('modifyProcessInstancesBatchOperation', () => camunda.modifyProcessInstancesBatchOperation({
    filter: only, moveInstructions: [{ sourceElementId: 'review', targetElementId: 'review' }],
  }, now));
  await check('searchBatchOperations', () => camunda.searchBatchOperations({ filter: { operationType: 'CANCEL_PROCESS_INSTANCE' } }, now));
}
if (doomed) {
  await check('cancelProcessInstance', () => camunda.cancelProcessInstance({ processInstanceKey: doomed.processInstanceKey }));
}

// Resource deletion: a process of its own (no instance runs on it), deployed and deleted; then it is gone.
const deletable = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="http://processes.test">
  <bpmn:process id="conformance-deletable" isExecutable="true"><bpmn:startEvent id="start" /></bpmn:process>
</bpmn:definitions>`;
const deletableDeployment = await check('createDeployment', () => camunda.createDeployment({ resources: [new File([deletable], 'conformance-deletable.bpmn')] }));
const deletableKey = deletableDeployment?.deployments?.find(d => d.processDefinition)?.processDefinition?.processDefinitionKey;
if (deletableKey) {
  await check('deleteResource', () => camunda.deleteResource({ resourceKey: deletableKey, operationReference: 1 }));
  const still = await camunda.getResource({ resourceKey: deletableKey }).then(() => true, () => false);
  if (still) results.set('deleteResource', { ok: false, kind: 'call', detail: 'the deleted resource is still found' });
}

// Documents: stored by Processes in PostgreSQL; a PNG attached to the child instance, a batch, a link, a deletion.
// The 8.8 client's own request schema types a multipart file as a string (the spec's `format: binary`) and so refuses
// every File it is given: the uploads go through a client that skips request validation; every answer is still
// validated strictly against the client's response schemas.
const uploader = createCamundaClient({
  config: {
    CAMUNDA_REST_ADDRESS: url,
    CAMUNDA_AUTH_STRATEGY: 'BASIC',
    CAMUNDA_BASIC_AUTH_USERNAME: user,
    CAMUNDA_BASIC_AUTH_PASSWORD: key,
    CAMUNDA_SDK_VALIDATION: 'req:none,res:strict',
    CAMUNDA_SDK_HTTP_RETRY_MAX_ATTEMPTS: 1,
    CAMUNDA_SDK_LOG_LEVEL: 'silent',
  },
});
const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
const documentReference = await check('createDocument', () => uploader.createDocument({
  file: new File([png], 'photo.png', { type: 'image/png' }),
  metadata: child ? { processInstanceKey: child.processInstanceKey, customProperties: { source: 'conformance' } } : undefined,
}));
const batch = await check('createDocuments', () => uploader.createDocuments({
  files: [new File([png], 'a.png', { type: 'image/png' }), new File(['plain text'], 'b.txt', { type: 'text/plain' })],
}));
if (documentReference) {
  const { documentId, contentHash } = documentReference;
  // The client's schema types a download as a string: the plain-text document of the batch is read (an image comes as a Blob).
  const text = batch?.createdDocuments?.find(d => d.metadata?.contentType === 'text/plain');
  if (text) await check('getDocument', () => camunda.getDocument({ documentId: text.documentId, contentHash: text.contentHash }));
  await check('createDocumentLink', () => camunda.createDocumentLink({ documentId, contentHash, timeToLive: 60000 }));
  await check('deleteDocument', () => camunda.deleteDocument({ documentId }));
}

// Identity: a user, a group and a tenant of this run, through users, groups, roles and tenants, then removed again.
const stamp = Date.now().toString(36);
const username = `conformance-${stamp}`;
const groupId = `conformance-${stamp}`;
const tenantId = `conf-${stamp}`;
await check('getAuthentication', () => camunda.getAuthentication());
await check('createUser', () => camunda.createUser({ username, password: `a passphrase for ${stamp}`, name: 'Conformance user', email: `${username}@example.com` }, now));
await check('searchUsers', () => camunda.searchUsers({ filter: { username: { $like: 'conformance-*' } }, sort: [{ field: 'username', order: 'DESC' }] }, now));
await check('getUser', () => camunda.getUser({ username }, now));
await check('updateUser', () => camunda.updateUser({ username, name: 'Conformance user (renamed)', email: `${username}@example.org` }, now));
await check('createGroup', () => camunda.createGroup({ groupId, name: 'Conformance group', description: 'made by the conformance run' }));
await check('searchGroups', () => camunda.searchGroups({ filter: { groupId } }, now));
await check('getGroup', () => camunda.getGroup({ groupId }, now));
await check('updateGroup', () => camunda.updateGroup({ groupId, name: 'Conformance group (renamed)', description: 'still the conformance run' }));
await check('assignUserToGroup', () => camunda.assignUserToGroup({ groupId, username }));
await check('searchUsersForGroup', () => camunda.searchUsersForGroup({ groupId }, now));
await check('unassignUserFromGroup', () => camunda.unassignUserFromGroup({ groupId, username }));
await check('searchRoles', () => camunda.searchRoles({ filter: { roleId: 'agent' } }, now));
await check('getRole', () => camunda.getRole({ roleId: 'agent' }, now));
await check('assignRoleToUser', () => camunda.assignRoleToUser({ roleId: 'agent', username }));
await check('searchUsersForRole', () => camunda.searchUsersForRole({ roleId: 'agent' }, now));
await check('unassignRoleFromUser', () => camunda.unassignRoleFromUser({ roleId: 'agent', username }));
await check('createTenant', () => camunda.createTenant({ tenantId, name: 'Conformance tenant', description: 'made by the conformance run' }));
await check('searchTenants', () => camunda.searchTenants({ filter: { tenantId } }, now));
await check('getTenant', () => camunda.getTenant({ tenantId }, now));
await check('updateTenant', () => camunda.updateTenant({ tenantId, name: 'Conformance tenant (renamed)', description: 'still the conformance run' }));
await check('assignUserToTenant', () => camunda.assignUserToTenant({ tenantId, username }));
await check('searchUsersForTenant', () => camunda.searchUsersForTenant({ tenantId }, now));
await check('unassignUserFromTenant', () => camunda.unassignUserFromTenant({ tenantId, username }));
await check('assignGroupToTenant', () => camunda.assignGroupToTenant({ tenantId, groupId }));
await check('searchGroupIdsForTenant', () => camunda.searchGroupIdsForTenant({ tenantId }, now));
await check('unassignGroupFromTenant', () => camunda.unassignGroupFromTenant({ tenantId, groupId }));
await check('deleteTenant', () => camunda.deleteTenant({ tenantId }));
await check('deleteGroup', () => camunda.deleteGroup({ groupId }));
await check('deleteUser', () => camunda.deleteUser({ username }, now));

// The identity operations our model cannot hold must answer 501 problem+json naming the operation (never 404 or 500).
const basic = 'Basic ' + Buffer.from(`${user}:${key}`).toString('base64');
const unsupported = new Map();
for (const o of identityOperations.filter(o => !o.implemented)) {
  const path = o.path.replace('{authorizationKey}', '1').replace(/\{[A-Za-z]+\}/g, 'conformance');
  const response = await fetch(url + path, {
    method: o.method,
    headers: { Authorization: basic, 'Content-Type': 'application/json' },
    body: o.method === 'POST' || o.method === 'PUT' ? '{}' : undefined,
  });
  const body = await response.text();
  unsupported.set(o.operation, response.status === 501 && /problem\+json/.test(response.headers.get('content-type') ?? '') && body.includes(o.operation)
    ? null : `${response.status} ${body.slice(0, 200)}`);
}

const implemented = [...operations, ...identityOperations].filter(o => o.implemented).map(o => o.operation);
let conform = 0;
let asCamunda = 0;
for (const operation of implemented) {
  const result = results.get(operation);
  if (!result) {
    console.log(`not run     ${operation} (an earlier step it needs failed)`);
  } else if (result.ok) {
    conform++;
    console.log(`conforms    ${operation}`);
  } else if (result.kind === 'known') {
    asCamunda++;
    console.log(`as Camunda  ${operation}: ${result.detail}`);
  } else {
    console.log(`${result.kind === 'schema' ? 'schema     ' : 'call failed'} ${operation}: ${result.detail}`);
  }
}
for (const operation of notImplemented) {
  console.log(`unsupported ${operation}`);
}
let answered501 = 0;
for (const [operation, wrong] of unsupported) {
  if (wrong) {
    console.log(`not 501     ${operation}: ${wrong}`);
  } else {
    answered501++;
    console.log(`501         ${operation}`);
  }
}
console.log(`${asCamunda} answer as Camunda 8.8 does where its client schema disagrees: ${Object.keys(knownDisagreements).join(', ')}`);
const outside = operations.filter(o => o.implemented).length;
const identityImplemented = identityOperations.filter(o => o.implemented).length;
console.log(`${answered501} of ${unsupported.size} unsupported identity operations answer 501 naming themselves`);
console.log(`${conform} of ${implemented.length} operations conform (${outside} of ${operations.length} Camunda 8.8 operations outside identity implemented; ` +
  `${identityImplemented} of ${identityOperations.length} identity operations)`);
process.exit(conform + asCamunda === implemented.length && answered501 === unsupported.size ? 0 : 1);
