/**
 * The outbox relay on real stream records (DynamoDB Local's stream of an orders table), a real
 * topic and a queue subscribed to it with raw delivery (fauxqs): every event reaches the queue
 * with its attributes, a filter policy on `type` selects events, and every record whose
 * message was refused is reported as a batch item failure while the others are published.
 */

import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { assertValidQueueMessage } from '../../proof/contracts.js';
import { type LocalDynamo, startLocalDynamo } from '../support/ddb.js';
import { lambdaContext } from '../support/http-events.js';
import { type LocalSqs, startLocalSqs } from '../support/sqs.js';

type RelayHandler = (
  event: DynamoDBStreamEvent,
  context: unknown,
) => Promise<{ batchItemFailures: { itemIdentifier: string }[] }>;

let dynamo: LocalDynamo;
let sqs: LocalSqs;
let ordersTable: string;
let streamArn: string;
let queueUrl: string;
let topicArn: string;
let relay: RelayHandler;
let streams: DynamoDBStreamsClient;
let sqsClient: SQSClient;
const seen = new Set<string>();

beforeAll(async () => {
  [dynamo, sqs] = await Promise.all([startLocalDynamo(), startLocalSqs()]);
  ordersTable = await dynamo.createTable('orders', { stream: 'NEW_IMAGE' });
  const { Table } = await dynamo.client.send(new DescribeTableCommand({ TableName: ordersTable }));
  streamArn = Table?.LatestStreamArn ?? '';
  const queue = sqs.createQueue('events');
  queueUrl = queue.queueUrl;
  topicArn = sqs.createTopic('events', queue.queueName);
  process.env.EVENTS_TOPIC_ARN = topicArn;
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  relay = ((await import('../../lambdas/outbox-relay/handler.js')) as { handler: RelayHandler })
    .handler;
  streams = new DynamoDBStreamsClient({ endpoint: dynamo.endpoint });
  sqsClient = new SQSClient({ useQueueUrlAsEndpoint: false });
});
afterAll(async () => {
  streams?.destroy();
  sqsClient?.destroy();
  await Promise.all([dynamo?.stop(), sqs?.stop()]);
});

let counter = 0;
/** Writes event items the way the api and the worker do; returns their CloudEvents. */
async function writeEvents(count: number, types: readonly string[] = []) {
  const events = [];
  for (let i = 0; i < count; i++) {
    const type = types[i] ?? 'order.placed.v1';
    counter += 1;
    const orderId = `01RELAYTEST${String(counter).padStart(15, '0')}`;
    const event = {
      specversion: '1.0',
      id: `evt-${counter}`,
      source: 'mini-ec/api',
      type,
      subject: orderId,
      time: new Date().toISOString(),
      datacontenttype: 'application/json',
      correlationid: `cid-relay-${counter}`,
      sagaid: orderId,
      data: {
        orderId,
        items: [{ sku: 'coffee', qty: 1 }],
        total: 500,
        currency: 'JPY',
      },
    };
    await dynamo.db.send(
      new PutCommand({
        TableName: ordersTable,
        Item: {
          pk: `ORDER#${orderId}`,
          sk: `EVENT#${type}`,
          kind: 'EVENT',
          type: event.type,
          time: event.time,
          event,
        },
      }),
    );
    events.push(event);
  }
  return events;
}

/** The stream's new INSERT records of EVENT items (the stack's filter), as Lambda receives them. */
async function newStreamRecords(): Promise<DynamoDBRecord[]> {
  const { StreamDescription } = await streams.send(
    new DescribeStreamCommand({ StreamArn: streamArn }),
  );
  const records: DynamoDBRecord[] = [];
  for (const shard of StreamDescription?.Shards ?? []) {
    let { ShardIterator } = await streams.send(
      new GetShardIteratorCommand({
        StreamArn: streamArn,
        ShardId: shard.ShardId,
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    for (let page = 0; ShardIterator && page < 20; page++) {
      const result = await streams.send(new GetRecordsCommand({ ShardIterator }));
      for (const record of result.Records ?? []) {
        if (record.eventName !== 'INSERT' || record.dynamodb?.NewImage?.kind?.S !== 'EVENT')
          continue;
        if (seen.has(record.eventID ?? '')) continue;
        seen.add(record.eventID ?? '');
        records.push({ ...(record as DynamoDBRecord), eventSourceARN: streamArn });
      }
      if ((result.Records ?? []).length === 0) break;
      ShardIterator = result.NextShardIterator;
    }
  }
  return records;
}

async function drainQueue(url: string, expected: number) {
  const messages = [];
  for (let round = 0; round < 20 && messages.length < expected; round++) {
    const { Messages } = await sqsClient.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: 10,
        MessageAttributeNames: ['All'],
        WaitTimeSeconds: 0,
      }),
    );
    messages.push(...(Messages ?? []));
    if ((Messages ?? []).length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return messages;
}

describe('outbox relay', () => {
  it('publishes every new event of the stream; the subscribed queue gets body = CloudEvent, with type, source, id and correlationid attributes', async () => {
    const events = await writeEvents(12);
    const records = await newStreamRecords();

    const answer = await relay({ Records: records }, lambdaContext('outbox-relay'));
    const messages = await drainQueue(queueUrl, 12);

    expect(records).toHaveLength(12);
    expect(answer.batchItemFailures).toEqual([]);
    expect(messages.map((m) => JSON.parse(m.Body ?? '{}').id).sort()).toEqual(
      events.map((e) => e.id).sort(),
    );
    for (const message of messages) {
      const body = JSON.parse(message.Body ?? '{}');
      expect(message.MessageAttributes?.type?.StringValue).toBe(body.type);
      expect(message.MessageAttributes?.id?.StringValue).toBe(body.id);
      expect(message.MessageAttributes?.correlationid?.StringValue).toBe(body.correlationid);
      assertValidQueueMessage({
        body: message.Body ?? '',
        messageAttributes: message.MessageAttributes ?? {},
      });
    }
  });

  it('reports only the record whose message is too large, and sends the others', async () => {
    await writeEvents(5);
    const records = await newStreamRecords();
    // No table item can exceed 400 KB, so the oversize message is a real record grown by hand.
    const grown = structuredClone(records[2]) as DynamoDBRecord;
    const event = grown.dynamodb?.NewImage?.event?.M;
    if (event) event.padding = { S: 'x'.repeat(1_100_000) };

    const answer = await relay(
      { Records: records.map((r, i) => (i === 2 ? grown : r)) },
      lambdaContext('outbox-relay'),
    );
    const messages = await drainQueue(queueUrl, 4);

    expect(records).toHaveLength(5);
    expect(answer.batchItemFailures).toEqual([{ itemIdentifier: grown.dynamodb?.SequenceNumber }]);
    expect(messages).toHaveLength(4);
  });

  it('reports a record that holds no CloudEvent', async () => {
    const [valid] = await writeEvents(1);
    const records = await newStreamRecords();
    const broken = {
      ...records[0],
      dynamodb: {
        ...records[0]?.dynamodb,
        SequenceNumber: '999',
        NewImage: { kind: { S: 'EVENT' } },
      },
    };

    const answer = await relay(
      { Records: [...records, broken as DynamoDBRecord] },
      lambdaContext('outbox-relay'),
    );

    expect(answer.batchItemFailures).toEqual([{ itemIdentifier: '999' }]);
    expect((await drainQueue(queueUrl, 1)).map((m) => JSON.parse(m.Body ?? '{}').id)).toEqual([
      valid?.id,
    ]);
  });

  it('delivers to a subscribed queue only the types its filter policy takes', async () => {
    const placedOnly = sqs.createQueue('placed-only');
    const filtered = sqs.createTopic('filtered', placedOnly.queueName, {
      type: ['order.confirmed.v1'],
    });
    vi.resetModules();
    process.env.EVENTS_TOPIC_ARN = filtered;
    const filteringRelay = (
      (await import('../../lambdas/outbox-relay/handler.js')) as { handler: RelayHandler }
    ).handler;
    process.env.EVENTS_TOPIC_ARN = topicArn;
    const events = await writeEvents(3, [
      'order.placed.v1',
      'order.confirmed.v1',
      'order.placed.v1',
    ]);
    const records = await newStreamRecords();

    const answer = await filteringRelay({ Records: records }, lambdaContext('outbox-relay'));
    const messages = await drainQueue(placedOnly.queueUrl, 3);

    expect(answer.batchItemFailures).toEqual([]);
    expect(messages.map((m) => JSON.parse(m.Body ?? '{}').id)).toEqual([events[1]?.id]);
  });

  it('reports every record when the topic does not exist', async () => {
    vi.resetModules();
    process.env.EVENTS_TOPIC_ARN = `${topicArn}-missing`;
    const brokenRelay = (
      (await import('../../lambdas/outbox-relay/handler.js')) as { handler: RelayHandler }
    ).handler;
    process.env.EVENTS_TOPIC_ARN = topicArn;
    await writeEvents(3);
    const records = await newStreamRecords();

    const answer = await brokenRelay({ Records: records }, lambdaContext('outbox-relay'));

    expect(answer.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(
      records.map((r) => r.dynamodb?.SequenceNumber).sort(),
    );
  });
});
