/**
 * The local cloud's event bus: the template's SNS topic and its queue subscriptions, read by
 * StackTemplate and created in the embedded fauxqs by the SQS service. A published batch
 * reaches each queue whose filter policy takes it, raw (the CloudEvent and its attributes),
 * and the meter counts the publish, what SNS bills for it and each delivery.
 */
import { PublishBatchCommand, SNSClient } from '@aws-sdk/client-sns';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEvent } from '../../lambdas/shared/events.js';
import { publishEntries, toQueueMessage } from '../../lambdas/shared/queue-messages.js';
import { SqsService } from '../../local/emulators/sqs.js';
import { meterSnsExchange, meterSqsExchange, SNS_DELIVERY } from '../../local/meter/sqs-meter.js';
import { UsageMeter } from '../../local/meter/usage.js';
import { StackTemplate } from '../../local/template/stack.js';

const subscription = (queue: string, types: string[], sources?: string[]) => ({
  Type: 'AWS::SNS::Subscription',
  Properties: {
    Protocol: 'sqs',
    TopicArn: { Ref: 'EventsTopic' },
    Endpoint: { 'Fn::GetAtt': [queue, 'Arn'] },
    RawMessageDelivery: true,
    FilterPolicy: { type: types, ...(sources ? { source: sources } : {}) },
  },
});
const template = new StackTemplate({
  stackName: 'Bus',
  assemblyDir: '.',
  templateFile: 'Bus.template.json',
  template: {
    Resources: {
      EventsTopic: { Type: 'AWS::SNS::Topic', Properties: {} },
      PlacedQueue: { Type: 'AWS::SQS::Queue', Properties: {} },
      ConfirmedQueue: { Type: 'AWS::SQS::Queue', Properties: {} },
      PlacedSubscription: subscription('PlacedQueue', ['order.placed.v1']),
      ConfirmedSubscription: subscription('ConfirmedQueue', ['order.confirmed.v1']),
      ApiPlacedQueue: { Type: 'AWS::SQS::Queue', Properties: {} },
      ApiPlacedSubscription: subscription('ApiPlacedQueue', ['order.placed.v1'], ['mini-ec/api']),
      EmailSubscription: {
        Type: 'AWS::SNS::Subscription',
        Properties: { Protocol: 'email', TopicArn: { Ref: 'EventsTopic' }, Endpoint: 'a@b.c' },
      },
    },
  },
});
const meter = new UsageMeter();
const sqsService = new SqsService({
  queues: template.queues(),
  topics: template.topics(),
  subscriptions: template.subscriptions(),
  onExchange: (exchange) => meterSqsExchange(meter, exchange),
  onSnsExchange: (exchange) => meterSnsExchange(meter, exchange),
});
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
let sns: SNSClient;
let sqs: SQSClient;

beforeAll(async () => {
  await sqsService.start();
  sns = new SNSClient({ endpoint: sqsService.endpoint, region: 'us-east-1', credentials });
  sqs = new SQSClient({ endpoint: sqsService.endpoint, region: 'us-east-1', credentials });
});
afterAll(async () => {
  sns?.destroy();
  sqs?.destroy();
  await sqsService.stop();
});

const event = (
  type: 'order.placed.v1' | 'order.confirmed.v1',
  n: number,
  source = 'mini-ec/api',
) =>
  type === 'order.placed.v1'
    ? buildEvent({
        type,
        source,
        orderId: `o-${n}`,
        correlationId: `cid-${n}`,
        sagaId: `o-${n}`,
        data: {
          orderId: `o-${n}`,
          items: [{ sku: 'coffee', qty: 1 }],
          total: 500,
          currency: 'JPY',
        },
      })
    : buildEvent({
        type,
        source: 'mini-ec/worker',
        orderId: `o-${n}`,
        correlationId: `cid-${n}`,
        sagaId: `o-${n}`,
        data: {
          orderId: `o-${n}`,
          total: 500,
          currency: 'JPY',
          items: [{ sku: 'coffee', qty: 1 }],
          noShip: [],
        },
      });

async function receiveAll(logicalId: string) {
  const { Messages } = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: sqsService.urls.get(logicalId),
      MaxNumberOfMessages: 10,
      MessageAttributeNames: ['All'],
      WaitTimeSeconds: 1,
    }),
  );
  return Messages ?? [];
}

describe('the local event bus', () => {
  it("reads the template's topic (Ref is its ARN) and its SQS subscriptions, leaving other protocols out", () => {
    expect(template.topics()).toEqual([
      {
        logicalId: 'EventsTopic',
        name: 'EventsTopic',
        arn: 'arn:aws:sns:us-east-1:000000000000:EventsTopic',
      },
    ]);
    expect(template.subscriptions().map((s) => [s.queueArn, s.attributes])).toEqual([
      [
        'arn:aws:sqs:us-east-1:000000000000:PlacedQueue',
        { RawMessageDelivery: 'true', FilterPolicy: '{"type":["order.placed.v1"]}' },
      ],
      [
        'arn:aws:sqs:us-east-1:000000000000:ConfirmedQueue',
        { RawMessageDelivery: 'true', FilterPolicy: '{"type":["order.confirmed.v1"]}' },
      ],
      [
        'arn:aws:sqs:us-east-1:000000000000:ApiPlacedQueue',
        {
          RawMessageDelivery: 'true',
          FilterPolicy: '{"type":["order.placed.v1"],"source":["mini-ec/api"]}',
        },
      ],
    ]);
  });

  it('delivers each published event, raw, to the queues whose filter takes its type, and meters it', async () => {
    const events = [
      event('order.placed.v1', 1),
      event('order.confirmed.v1', 1),
      event('order.placed.v1', 2),
    ];
    const before = meter.snapshot();

    const answer = await sns.send(
      new PublishBatchCommand({
        TopicArn: template.topics()[0]?.arn,
        PublishBatchRequestEntries: publishEntries(events.map(toQueueMessage)),
      }),
    );
    const placed = await receiveAll('PlacedQueue');
    const confirmed = await receiveAll('ConfirmedQueue');
    const placedByApi = await receiveAll('ApiPlacedQueue');
    const after = meter.snapshot();

    expect(answer.Failed ?? []).toEqual([]);
    expect(placed.map((m) => JSON.parse(m.Body ?? '{}'))).toEqual([events[0], events[2]]);
    expect(confirmed.map((m) => JSON.parse(m.Body ?? '{}'))).toEqual([events[1]]);
    expect(placedByApi).toHaveLength(2);
    expect(placed[0]?.MessageAttributes).toEqual({
      type: { DataType: 'String', StringValue: 'order.placed.v1' },
      source: { DataType: 'String', StringValue: 'mini-ec/api' },
      id: { DataType: 'String', StringValue: events[0]?.id },
      correlationid: { DataType: 'String', StringValue: 'cid-1' },
    });
    // One PublishBatch of three small messages: one request, billed as one 64 KB chunk.
    expect(after.sns.requests.PublishBatch).toBe((before.sns.requests.PublishBatch ?? 0) + 1);
    expect(after.sns.published - before.sns.published).toBe(3);
    expect(
      (after.sns.billedRequests.EventsTopic ?? 0) - (before.sns.billedRequests.EventsTopic ?? 0),
    ).toBe(1);
    expect(after.sqs.byResource.PlacedQueue?.[SNS_DELIVERY]).toBe(2);
    expect(after.sqs.byResource.ConfirmedQueue?.[SNS_DELIVERY]).toBe(1);
  });

  it('delivers an event to a queue whose filter also names sources only when both its type and its source match', async () => {
    const fromApi = event('order.placed.v1', 3);
    const fromElsewhere = event('order.placed.v1', 4, 'mini-ec/worker');

    await sns.send(
      new PublishBatchCommand({
        TopicArn: template.topics()[0]?.arn,
        PublishBatchRequestEntries: publishEntries([fromElsewhere, fromApi].map(toQueueMessage)),
      }),
    );
    const filtered = await receiveAll('ApiPlacedQueue');
    const unfiltered = await receiveAll('PlacedQueue');

    expect(filtered.map((m) => JSON.parse(m.Body ?? '{}').id)).toEqual([fromApi.id]);
    expect(unfiltered.map((m) => JSON.parse(m.Body ?? '{}').id).sort()).toEqual(
      [fromApi.id, fromElsewhere.id].sort(),
    );
  });
});
