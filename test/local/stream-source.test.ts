import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Invoker } from '../../local/invoke/invoke.js';
import { DynamoStreamSource, untilNextTick } from '../../local/sources/stream-source.js';
import { type LocalDynamo, startLocalDynamo } from '../support/ddb.js';

let dynamo: LocalDynamo;
let streams: DynamoDBStreamsClient;

beforeAll(async () => {
  dynamo = await startLocalDynamo();
  streams = new DynamoDBStreamsClient({ endpoint: dynamo.endpoint });
});

afterAll(async () => {
  streams?.destroy();
  await dynamo?.stop();
});

/** The relay's stream source on a table's stream, as the stack maps it (batches of 100, from the start). */
function relaySource(
  logicalId: string,
  streamArn: string,
  invoker: Invoker,
  client: DynamoDBStreamsClient,
): DynamoStreamSource {
  return new DynamoStreamSource(
    {
      logicalId,
      functionName: 'relay',
      eventSourceArn: streamArn,
      properties: { BatchSize: 100, StartingPosition: 'TRIM_HORIZON' },
    },
    {
      invoker,
      streams: client,
      sqs: {} as SQSClient,
      queueUrlOf: () => undefined,
      functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:relay',
      checkpoints: {},
      log: () => undefined,
    },
  );
}

describe('the DynamoDB stream event source', () => {
  it('reads a shard at most 4 times a second while records keep coming, and hands every record on once, in order', async () => {
    const table = await dynamo.createTable('stream-rate', { stream: 'NEW_IMAGE' });
    const { Table } = await dynamo.client.send(new DescribeTableCommand({ TableName: table }));
    // Reads that answered: a read DynamoDB Local calls trimmed (another file's write moved its
    // numbering while this shard was empty) is taken again at once, and is not a poll.
    let getRecords = 0;
    streams.middlewareStack.add(
      (next, context) => async (args) => {
        const answer = await next(args);
        if (context.commandName === 'GetRecordsCommand') getRecords++;
        return answer;
      },
      { step: 'initialize', name: 'countGetRecords' },
    );
    const delivered: string[][] = [];
    const invoker = {
      invoke: async (
        _name: string,
        event: { Records: { dynamodb: { NewImage: { pk: { S: string } } } }[] },
      ) => {
        delivered.push(event.Records.map((r) => r.dynamodb.NewImage.pk.S));
        return { payload: 'null' };
      },
    } as unknown as Invoker;
    const source = relaySource('RateMapping', Table?.LatestStreamArn ?? '', invoker, streams);
    await source.start();
    const written = Array.from({ length: 60 }, (_, i) => `ITEM#${String(i).padStart(2, '0')}`);
    const started = Date.now();
    try {
      for (const pk of written) {
        await dynamo.db.send(new PutCommand({ TableName: table, Item: { pk, sk: 'A' } }));
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      for (let until = Date.now() + 5_000; delivered.flat().length < written.length; ) {
        if (Date.now() > until) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } finally {
      await source.stop();
    }
    const seconds = (Date.now() - started) / 1000;

    expect(delivered.flat()).toEqual(written);
    expect(getRecords).toBeLessThanOrEqual(Math.ceil(seconds * 4) + 1);
    // One batch a poll at most, so the records come in batches, not one by one.
    expect(delivered.length).toBeLessThanOrEqual(Math.ceil(seconds * 4) + 1);
    expect(delivered.length).toBeLessThan(written.length);
  });
});

describe('the DynamoDB stream event source, with DynamoDB Local numbering records across tables', () => {
  it('takes a new iterator when the one taken on an empty shard is called trimmed, and hands on every record once', async () => {
    const [first, second] = [
      await dynamo.createTable('stream-first', { stream: 'NEW_IMAGE' }),
      await dynamo.createTable('stream-second', { stream: 'NEW_IMAGE' }),
    ];
    const describe = await dynamo.client.send(new DescribeTableCommand({ TableName: second }));
    const counting = new DynamoDBStreamsClient({ endpoint: dynamo.endpoint });
    const calls: string[] = [];
    counting.middlewareStack.add(
      (next, context) => async (args) => {
        try {
          return await next(args);
        } catch (error) {
          calls.push(`${context.commandName} ${(error as Error).name}`);
          throw error;
        }
      },
      { step: 'initialize', name: 'recordFailures' },
    );
    const delivered: string[] = [];
    const invoker = {
      invoke: async (
        _name: string,
        event: { Records: { dynamodb: { NewImage: { pk: { S: string } } } }[] },
      ) => {
        delivered.push(...event.Records.map((r) => r.dynamodb.NewImage.pk.S));
        return { payload: 'null' };
      },
    } as unknown as Invoker;
    const source = relaySource(
      'SecondMapping',
      describe.Table?.LatestStreamArn ?? '',
      invoker,
      counting,
    );
    await source.start(); // on the second table's empty shard
    try {
      // The first table's records take the sequence numbers the iterator points at.
      for (const pk of ['A#1', 'A#2', 'A#3'])
        await dynamo.db.send(new PutCommand({ TableName: first, Item: { pk, sk: 'A' } }));
      await new Promise((resolve) => setTimeout(resolve, 600));
      const written = ['B#1', 'B#2', 'B#3'];
      for (const pk of written)
        await dynamo.db.send(new PutCommand({ TableName: second, Item: { pk, sk: 'A' } }));
      for (let until = Date.now() + 5_000; delivered.length < written.length; ) {
        if (Date.now() > until) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await new Promise((resolve) => setTimeout(resolve, 600));

      expect(calls).toContain('GetRecordsCommand TrimmedDataAccessException');
      expect(delivered).toEqual(written);
    } finally {
      await source.stop();
      counting.destroy();
    }
  });
});

describe('the records the DynamoDB stream event source hands a function', () => {
  it('are as Lambda hands them: attribute values as JSON, a binary one in base64, the creation time in whole seconds', async () => {
    const table = await dynamo.createTable('stream-shape', { stream: 'NEW_IMAGE' });
    const { Table } = await dynamo.client.send(new DescribeTableCommand({ TableName: table }));
    const events: string[] = [];
    const invoker = {
      // The event crosses a process boundary as JSON, as it does to a function.
      invoke: async (_name: string, event: unknown) => {
        events.push(JSON.stringify(event));
        return { payload: 'null' };
      },
    } as unknown as Invoker;
    const source = relaySource('ShapeMapping', Table?.LatestStreamArn ?? '', invoker, streams);
    await source.start();
    const before = Math.floor(Date.now() / 1000);
    try {
      await dynamo.db.send(
        new PutCommand({
          TableName: table,
          Item: { pk: 'SHAPE#1', sk: 'A', bin: new Uint8Array([1, 2, 3]), n: 5, tags: ['x'] },
        }),
      );
      for (let until = Date.now() + 5_000; events.length === 0 && Date.now() < until; )
        await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      await source.stop();
    }

    const [record] = (JSON.parse(events[0] ?? '{"Records":[]}') as { Records: StreamRecordSeen[] })
      .Records;
    expect(record?.dynamodb.NewImage).toEqual({
      pk: { S: 'SHAPE#1' },
      sk: { S: 'A' },
      bin: { B: 'AQID' },
      n: { N: '5' },
      tags: { L: [{ S: 'x' }] },
    });
    expect(record?.dynamodb.Keys).toEqual({ pk: { S: 'SHAPE#1' }, sk: { S: 'A' } });
    expect(record).toMatchObject({
      eventName: 'INSERT',
      eventSource: 'aws:dynamodb',
      eventSourceARN: Table?.LatestStreamArn,
    });
    expect(Number.isInteger(record?.dynamodb.ApproximateCreationDateTime)).toBe(true);
    // DynamoDB Local rounds it down to the minute.
    expect(record?.dynamodb.ApproximateCreationDateTime).toBeGreaterThanOrEqual(before - 60);
    expect(record?.dynamodb.ApproximateCreationDateTime).toBeLessThanOrEqual(before + 60);
  });
});

/** What a function sees of a stream record. */
interface StreamRecordSeen {
  eventName: string;
  eventSource: string;
  eventSourceARN: string;
  dynamodb: {
    ApproximateCreationDateTime: number;
    Keys: Record<string, unknown>;
    NewImage: Record<string, unknown>;
  };
}

describe('untilNextTick', () => {
  it('waits for the next multiple of the interval on the clock, so every source reads on the same ticks', () => {
    expect(untilNextTick(1_010, 1_040, 250)).toBe(210);
    expect(untilNextTick(1_260, 1_300, 250)).toBe(200);
  });

  it('never reads twice around one tick: at least half an interval after the poll started', () => {
    // A timer that fired at 1249 for the tick of 1250, done within the millisecond.
    expect(untilNextTick(1_249, 1_249, 250)).toBe(251);
  });

  it('reads again at once after a poll longer than the interval', () => {
    expect(untilNextTick(1_000, 1_300, 250)).toBe(0);
  });
});
