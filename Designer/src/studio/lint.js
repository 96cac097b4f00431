// Live checks while drawing (bpmn-js-bpmnlint): bpmnlint's own rules for the obvious, and the engine's refusals
// as rules of the plug-in "processes", so a problem shows on its element before anything is deployed.
import { is } from 'bpmn-js/lib/util/ModelUtil';
import startEventRequired from 'bpmnlint/rules/start-event-required';
import noDuplicateSequenceFlows from 'bpmnlint/rules/no-duplicate-sequence-flows';
import { refusedEventDefinition, refusedMarker, refusedType } from './engine-support.js';

/**
 * The sequence flows leaving a node, read from its container: a model written by hand or by another tool need not list
 * bpmn:outgoing on its nodes (the engine does not need them), so node.outgoing may be empty.
 */
function outgoingOf(node) {
  return (node.$parent?.flowElements ?? []).filter(element => is(element, 'bpmn:SequenceFlow') && element.sourceRef === node);
}

/** What the engine refuses at deployment: unsupported elements, event definitions and markers. */
function engineSupport() {
  return {
    check(node, reporter) {
      const refused = is(node, 'bpmn:FlowNode') ? refusedType(node.$type) : null;
      if (refused) {
        reporter.report(node.id, refused);
        return;
      }
      if (is(node, 'bpmn:Activity')) {
        if (is(node.loopCharacteristics, 'bpmn:StandardLoopCharacteristics') && refusedMarker('standardLoopCharacteristics')) {
          reporter.report(node.id, refusedMarker('standardLoopCharacteristics'));
        }
        if (node.isForCompensation && refusedMarker('isForCompensation')) {
          reporter.report(node.id, refusedMarker('isForCompensation'));
        }
      }
      if (is(node, 'bpmn:Event')) {
        const definitions = node.eventDefinitions ?? [];
        if (definitions.length > 1) {
          reporter.report(node.id, 'An event with more than one event definition (a multiple event) is not supported.');
        }
        for (const definition of definitions) {
          const message = refusedEventDefinition(definition.$type);
          if (message) {
            reporter.report(node.id, message);
          }
        }
      }
    },
  };
}

/**
 * Exclusive and inclusive gateways that split: every outgoing flow needs a condition unless it is the default
 * (the engine refuses the model otherwise), and without a default flow an instance whose conditions all fail stops
 * with an incident — worth a warning before it happens in production.
 */
function gatewayFlows() {
  return {
    check(node, reporter) {
      if (!is(node, 'bpmn:ExclusiveGateway') && !is(node, 'bpmn:InclusiveGateway')) {
        return;
      }
      const outgoing = outgoingOf(node);
      if (outgoing.length < 2) {
        return;
      }
      for (const flow of outgoing) {
        if (flow !== node.default && !flow.conditionExpression) {
          reporter.report(node.id, `The outgoing flow '${flow.id}' has no condition and is not the default flow.`);
        }
      }
    },
  };
}

/** A gateway without a default flow, separately, so its severity can differ (a warning). */
function gatewayDefault() {
  return {
    check(node, reporter) {
      if ((is(node, 'bpmn:ExclusiveGateway') || is(node, 'bpmn:InclusiveGateway')) && outgoingOf(node).length > 1 && !node.default) {
        reporter.report(node.id, 'No default flow: when no condition holds, the instance stops with an incident.');
      }
    },
  };
}

const RULES = {
  'bpmnlint/start-event-required': startEventRequired,
  'bpmnlint/no-duplicate-sequence-flows': noDuplicateSequenceFlows,
  'bpmnlint-plugin-processes/engine-support': engineSupport,
  'bpmnlint-plugin-processes/gateway-flows': gatewayFlows,
  'bpmnlint-plugin-processes/gateway-default': gatewayDefault,
};

/** The { config, resolver } bpmn-js-bpmnlint expects (what bpmnlint-pack-config would generate). */
export const lintConfig = {
  config: {
    rules: {
      'start-event-required': 'error',
      'no-duplicate-sequence-flows': 'warn',
      'processes/engine-support': 'error',
      'processes/gateway-flows': 'error',
      'processes/gateway-default': 'warn',
    },
  },
  resolver: {
    resolveRule(pkg, ruleName) {
      const rule = RULES[`${pkg}/${ruleName}`];
      if (!rule) {
        throw new Error(`unknown rule <${pkg}/${ruleName}>`);
      }
      return rule;
    },
    resolveConfig(pkg, configName) {
      throw new Error(`unknown config <${pkg}/${configName}>`);
    },
  },
};
