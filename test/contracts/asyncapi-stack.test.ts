import { describe, expect, it } from 'vitest';
import {
  eventRoutes,
  filterTakes,
  operationMessageNames,
  queueChannel,
  sourceOf,
  topicConsumers,
} from '../../proof/choreography.js';
import {
  asyncApiDocument,
  at,
  documentedEventTypes,
  documentedSources,
  isObject,
  type JsonObject,
} from '../../proof/contracts.js';
import { constructName, referenced, resourcesOf } from './stack-template.js';

/**
 * The wiring of the bus as one side tells it, in one comparable shape: the topic's
 * subscriptions (queue, filter policy, raw delivery), the consumers' queues (timeouts, DLQ),
 * which function reads which queue, and which tables' streams (outboxes) the relay reads.
 */
interface Wiring {
  subscriptions: JsonObject[];
  queues: JsonObject[];
  queueReaders: string[];
  outboxes: string[];
}

const byQueue = (a: JsonObject, b: JsonObject) => String(a.queue).localeCompare(String(b.queue));
const sorted = (values: Iterable<string>) => [...new Set(values)].sort();
/** The construct name of a function of the stack: `outbox-relay` → `OutboxRelayFunction`. */
const functionConstruct = (fn: string) =>
  `${fn.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase())}Function`;

/** The wiring the synthesized template declares. */
function templateWiring(): Wiring {
  const subscriptions = resourcesOf('AWS::SNS::Subscription').map(([, p]) => ({
    queue: constructName(String(referenced(p.Endpoint))),
    protocol: p.Protocol,
    filterPolicy: p.FilterPolicy,
    filterPolicyScope: p.FilterPolicyScope ?? 'MessageAttributes',
    rawMessageDelivery: p.RawMessageDelivery === true,
  }));
  const queueProperties = new Map(resourcesOf('AWS::SQS::Queue'));
  const queues = [...queueProperties]
    .filter(([, p]) => isObject(p.RedrivePolicy))
    .map(([id, p]) => {
      const redrive = p.RedrivePolicy as JsonObject;
      const dlqId = String(referenced(redrive.deadLetterTargetArn));
      return {
        queue: constructName(id),
        visibilityTimeout: p.VisibilityTimeout ?? 30,
        messageRetentionPeriod: p.MessageRetentionPeriod ?? 345_600,
        deadLetterQueue: constructName(dlqId),
        maxReceiveCount: redrive.maxReceiveCount,
        deadLetterRetentionPeriod: queueProperties.get(dlqId)?.MessageRetentionPeriod ?? 345_600,
      };
    });
  const mappings = resourcesOf('AWS::Lambda::EventSourceMapping').map(([, p]) => ({
    source: p.EventSourceArn as { 'Fn::GetAtt': [string, string] },
    fn: constructName(String(referenced(p.FunctionName))),
  }));
  const readersOf = (attribute: 'Arn' | 'StreamArn') =>
    sorted(
      mappings
        .filter((m) => m.source['Fn::GetAtt'][1] === attribute)
        .map((m) => `${constructName(m.source['Fn::GetAtt'][0])} → ${m.fn}`),
    );
  return {
    subscriptions: subscriptions.sort(byQueue),
    queues: queues.sort(byQueue),
    queueReaders: readersOf('Arn'),
    outboxes: readersOf('StreamArn'),
  };
}

/** The wiring an AsyncAPI document describes. */
function documentWiring(doc: JsonObject): Wiring {
  const subscriptions = topicConsumers(doc).map((c) => ({
    queue: String(at(c, '/endpoint/name')),
    protocol: c.protocol,
    filterPolicy: c.filterPolicy,
    filterPolicyScope: c.filterPolicyScope ?? 'MessageAttributes',
    rawMessageDelivery: c.rawMessageDelivery === true,
  }));
  const channels = Object.values(doc.channels as JsonObject).map((c) => at(c, '/bindings/sqs'));
  const queues = channels.filter(isObject).map((sqs) => {
    const queue = sqs.queue as JsonObject;
    return {
      queue: queue.name,
      visibilityTimeout: queue.visibilityTimeout,
      messageRetentionPeriod: queue.messageRetentionPeriod,
      deadLetterQueue: at(queue, '/redrivePolicy/deadLetterQueue/name'),
      maxReceiveCount: at(queue, '/redrivePolicy/maxReceiveCount'),
      deadLetterRetentionPeriod: at(sqs, '/deadLetterQueue/messageRetentionPeriod'),
    };
  });
  const operations = Object.values(doc.operations as Record<string, JsonObject>);
  const channelQueue = (op: JsonObject) =>
    at(
      doc,
      `/channels/${String(at(op, '/channel/$ref')).split('/').pop()}/bindings/sqs/queue/name`,
    );
  const relay = operations.find((op) => at(op, '/bindings/sns/consumers') !== undefined);
  return {
    subscriptions: subscriptions.sort(byQueue),
    queues: queues.sort(byQueue),
    queueReaders: sorted(
      operations
        .filter((op) => op.action === 'receive' && channelQueue(op) !== undefined)
        .map(
          (op) => `${String(channelQueue(op))} → ${functionConstruct(String(op['x-function']))}`,
        ),
    ),
    outboxes: sorted(
      operations
        .filter((op) => typeof op['x-outbox'] === 'string')
        .map((op) => `${op['x-outbox']} → ${functionConstruct(String(relay?.['x-function']))}`),
    ),
  };
}

describe('docs/asyncapi.yaml against the synthesized stack', () => {
  const template = templateWiring();
  const documented = documentWiring(asyncApiDocument);

  it("documents exactly the template's subscriptions: each consumer queue, its filter policy on type and source, raw delivery", () => {
    expect(template.subscriptions.length).toBeGreaterThanOrEqual(4);
    expect(template.subscriptions.some((s) => at(s, '/filterPolicy/source'))).toBe(true);
    expect(documented.subscriptions).toEqual(template.subscriptions);
  });

  it("documents exactly the template's consumer queues: visibility timeout, retention, DLQ and receives before it", () => {
    expect(template.queues.length).toBeGreaterThanOrEqual(4);
    expect(documented.queues).toEqual(template.queues);
  });

  it('documents exactly who reads each queue: a receive operation of the function the queue is an event source of', () => {
    expect(template.queueReaders).toContain('ShippingOrdersQueue → ShippingFunction');
    expect(documented.queueReaders).toEqual(template.queueReaders);
  });

  it('documents exactly the outboxes the relay reads: an x-outbox operation for each table stream it is an event source of', () => {
    expect(template.outboxes).toContain('ShipmentsTable → OutboxRelayFunction');
    expect(documented.outboxes).toEqual(template.outboxes);
  });

  it('would fail if the document dropped a source filter, a subscription, a reader or an outbox', () => {
    const mutations: ((doc: JsonObject) => void)[] = [
      (doc) => {
        const inventory = topicConsumers(doc).find(
          (c) => at(c, '/endpoint/name') === 'InventoryFactsQueue',
        );
        delete (at(inventory, '/filterPolicy') as JsonObject).source;
      },
      (doc) => (at(doc, '/operations/relayEvents/bindings/sns/consumers') as unknown[]).pop(),
      (doc) => delete (doc.operations as JsonObject).refundFailedShipment,
      (doc) => delete (at(doc, '/operations/recordShipment') as JsonObject)['x-outbox'],
    ];
    expect(documentWiring(asyncApiDocument)).toEqual(template);
    for (const mutate of mutations) {
      const broken = structuredClone(asyncApiDocument);
      mutate(broken);

      expect(documentWiring(broken)).not.toEqual(template);
    }
  });
});

describe('docs/asyncapi.yaml, read as a choreography', () => {
  const operations = Object.entries(asyncApiDocument.operations as Record<string, JsonObject>);
  const outboxOperations = operations.filter(([, op]) => typeof op['x-outbox'] === 'string');

  it('gives each event type exactly the sources of the functions whose outbox operations record it', () => {
    for (const type of documentedEventTypes()) {
      const writers = outboxOperations
        .filter(([, op]) => operationMessageNames(asyncApiDocument, op).includes(type))
        .map(([, op]) => sourceOf(String(op['x-function'])));

      expect(documentedSources(type).sort(), type).toEqual(writers.sort());
    }
    expect(documentedSources('payment.refunded.v1').sort()).toEqual([
      'mini-ec/payment',
      'mini-ec/worker',
    ]);
  });

  it('relays every event type an outbox records', () => {
    const relayed = operationMessageNames(
      asyncApiDocument,
      at(asyncApiDocument, '/operations/relayEvents') as JsonObject,
    );

    expect(sorted(relayed)).toEqual(sorted(documentedEventTypes()));
  });

  it("has each queue's channel carry, and its receive operations take, exactly the types its subscription lets in", () => {
    for (const consumer of topicConsumers(asyncApiDocument)) {
      const queue = String(at(consumer, '/endpoint/name'));
      const channel = String(queueChannel(asyncApiDocument, queue));
      const letIn = at(consumer, '/filterPolicy/type') as string[];
      const carried = Object.values(
        at(asyncApiDocument, `/channels/${channel}/messages`) as JsonObject,
      ).map((m) => at(asyncApiDocument, `${String(at(m, '/$ref')).slice(1)}/name`));
      const taken = operations
        .filter(
          ([, op]) =>
            op.action === 'receive' && at(op, '/channel/$ref') === `#/channels/${channel}`,
        )
        .flatMap(([, op]) => operationMessageNames(asyncApiDocument, op));

      expect(sorted(taken), queue).toEqual(sorted(letIn));
      expect(sorted(carried as string[]), queue).toEqual(sorted(letIn));
    }
  });

  it('routes each event only from the writers its subscriptions name, to a function that takes it', () => {
    const routes = eventRoutes(asyncApiDocument);
    const reach = (type: string, source: string) =>
      routes
        .find((r) => r.type === type && r.source === source)
        ?.consumers.map((c) => `${c.queue} → ${c.reactions.map((x) => x.function).join(', ')}`);

    expect(reach('payment.refunded.v1', 'mini-ec/payment')).toEqual([
      'OrdersQueue → worker',
      'InventoryFactsQueue → inventory',
    ]);
    expect(reach('payment.refunded.v1', 'mini-ec/worker')).toEqual([]);
    expect(reach('shipping.failed.v1', 'mini-ec/shipping')).toEqual([
      'OrdersQueue → worker',
      'PaymentFactsQueue → payment',
    ]);
    for (const route of routes) {
      for (const consumer of route.consumers)
        expect(consumer.reactions, route.type).not.toEqual([]);
    }
  });
});

describe('filterTakes (an SNS filter policy of exact strings)', () => {
  const policy = { type: ['payment.refunded.v1'], source: ['mini-ec/payment'] };

  it('takes a message only when every attribute the policy names is one it lists', () => {
    expect(filterTakes(policy, { type: 'payment.refunded.v1', source: 'mini-ec/payment' })).toBe(
      true,
    );
    expect(filterTakes(policy, { type: 'payment.refunded.v1', source: 'mini-ec/worker' })).toBe(
      false,
    );
    expect(filterTakes(policy, { type: 'payment.refunded.v1' })).toBe(false);
    expect(filterTakes({ type: ['order.confirmed.v1'] }, { type: 'order.confirmed.v1' })).toBe(
      true,
    );
  });

  it('refuses a policy it cannot read (a prefix match, say) rather than guess', () => {
    expect(() =>
      filterTakes({ type: [{ prefix: 'order.' }] }, { type: 'order.placed.v1' }),
    ).toThrow(/only lists of exact strings/);
  });
});
