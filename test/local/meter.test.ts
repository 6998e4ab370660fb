import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type LocalCloud,
  type LogLine,
  startLocalCloud,
  type UsageSnapshot,
} from '../../local/cloud.js';
import { functionCredentials } from '../../local/emulators/credentials.js';
import { eventually, FIXTURE_ASSEMBLY } from '../support/local-cloud.js';

const client = { region: 'us-east-1', credentials: { accessKeyId: 'l', secretAccessKey: 'l' } };

describe('the local cloud usage meter (meter: true)', () => {
  let cloud: LocalCloud;
  let stateDir: string;
  let dynamodb: DynamoDBClient;
  let sqs: SQSClient;
  const lines: LogLine[] = [];

  beforeAll(async () => {
    stateDir = mkdtempSync(path.join(tmpdir(), 'mini-ec-meter-'));
    cloud = await startLocalCloud({
      assemblyDir: FIXTURE_ASSEMBLY,
      port: 0,
      stateDir,
      console: false,
      meter: true,
      onLog: (line) => lines.push(line),
    });
    dynamodb = new DynamoDBClient({ ...client, endpoint: cloud.endpoints.dynamodb });
    sqs = new SQSClient({ ...client, endpoint: cloud.endpoints.sqs });
  });

  afterAll(async () => {
    dynamodb?.destroy();
    sqs?.destroy();
    await cloud?.stop();
  });

  it('counts DynamoDB requests by operation and table, a failed condition as an error', async () => {
    const before = cloud.usage().dynamodb;
    const put = (sk: string, condition?: string) =>
      dynamodb.send(
        new PutItemCommand({
          TableName: 'ItemsTable',
          Item: { pk: { S: 'meter' }, sk: { S: sk }, kind: { S: 'NOTE' } },
          ...(condition ? { ConditionExpression: condition } : {}),
        }),
      );
    for (let i = 0; i < 5; i++) await put(`m${i}`);
    await dynamodb.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          { Put: { TableName: 'ItemsTable', Item: { pk: { S: 'meter' }, sk: { S: 't' } } } },
          { Put: { TableName: 'KeysTable', Item: { id: { S: 'meter-t' } } } },
        ],
      }),
    );
    await expect(put('m0', 'attribute_not_exists(pk)')).rejects.toBeInstanceOf(
      ConditionalCheckFailedException,
    );

    const after = cloud.usage().dynamodb;
    expect(after.metered).toBe(true);
    expect((after.requests.PutItem ?? 0) - (before.requests.PutItem ?? 0)).toBe(6);
    expect(
      (after.byResource.ItemsTable?.PutItem ?? 0) - (before.byResource.ItemsTable?.PutItem ?? 0),
    ).toBe(6);
    expect(after.byResource.ItemsTable?.TransactWriteItems).toBe(1);
    expect(after.byResource.KeysTable?.TransactWriteItems).toBe(1);
    expect((after.errors.PutItem ?? 0) - (before.errors.PutItem ?? 0)).toBe(1);
  });

  it('counts SQS sends, receives and deletes of the event source as it consumes a queue', async () => {
    const before = cloud.usage().sqs;
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: cloud.queues.WorkQueue,
        Entries: [1, 2, 3].map((i) => ({
          Id: String(i),
          MessageBody: JSON.stringify({ type: 'work', id: `meter-${i}` }),
        })),
      }),
    );
    const after = await eventually(() => {
      const now = cloud.usage().sqs;
      return now.messages.deleted - before.messages.deleted >= 3 ? now : undefined;
    }, 15_000);

    expect(after.byResource.WorkQueue?.SendMessageBatch).toBe(
      (before.byResource.WorkQueue?.SendMessageBatch ?? 0) + 1,
    );
    expect(after.messages.sent - before.messages.sent).toBe(3);
    expect(after.messages.received - before.messages.received).toBeGreaterThanOrEqual(3);
    expect(after.byResource.WorkQueue?.ReceiveMessage ?? 0).toBeGreaterThan(
      before.byResource.WorkQueue?.ReceiveMessage ?? 0,
    );
  });

  it("reports every invocation as a REPORT log line, with each cold start's init time in it and in the meter", async () => {
    const invoked = await Promise.all([
      cloud.invoke('EchoFunction', { hello: 'meter' }),
      cloud.invoke('EchoFunction', { hello: 'again' }),
    ]);
    const warm = await cloud.invoke('EchoFunction', { hello: 'warm' });
    const requestIds = [...invoked, warm].map((r) => r.requestId);
    const echo = cloud.functions.find((f) => f.name === 'EchoFunction');
    const inits = cloud.usage().initDurationsMs[echo?.displayName ?? ''] ?? [];
    expect(inits.length).toBeGreaterThanOrEqual(1);
    expect(inits.every((ms) => ms > 0 && ms < 10_000)).toBe(true);

    const reports = await eventually(() => {
      const found = lines.filter(
        (l) => l.functionId === echo?.logicalId && l.text.includes('REPORT RequestId: '),
      );
      return requestIds.every((id) => found.some((l) => l.text.includes(id))) ? found : undefined;
    });
    const cold = reports.filter((l) => l.text.includes('Init Duration'));
    const reported = cold.map((l) => Number(/Init Duration: ([\d.]+) ms/.exec(l.text)?.[1]));
    expect(reported).toHaveLength(inits.length);
    // Two instances started together: their reports may come in either order.
    const sortedInits = [...inits].sort((a, b) => a - b);
    for (const [i, ms] of [...reported].sort((a, b) => a - b).entries())
      expect(Math.abs(ms - (sortedInits[i] ?? 0))).toBeLessThanOrEqual(0.1);
    expect(reports.length).toBeGreaterThan(cold.length);
    // The meter bills the same invocations: one per REPORT, the billed ms they name.
    const billed = cloud.usage().lambda[echo?.displayName ?? ''];
    const billedMs = reports.reduce(
      (n, l) =>
        n +
        Number(
          (l.json?.record as { metrics?: { billedDurationMs?: number } })?.metrics
            ?.billedDurationMs,
        ),
      0,
    );
    expect(billed).toMatchObject({ invocations: reports.length, billedMs, errors: 0 });
    const bytes = lines
      .filter((l) => l.functionId === echo?.logicalId)
      .reduce((n, l) => n + Buffer.byteLength(l.text) + 26, 0);
    expect(billed?.logBytes).toBe(bytes);
    for (const report of reports) {
      const record = (report.json?.record ?? {}) as {
        status?: string;
        metrics?: Record<string, number>;
      };
      expect(record.status).toBe('success');
      // Lambda bills a cold start's init with its first invocation (since 2025-08-01).
      const { durationMs = -1, initDurationMs = 0 } = record.metrics ?? {};
      expect(record.metrics?.billedDurationMs).toBe(Math.ceil(durationMs + initDurationMs));
    }
  });

  it('counts the request units each function consumes, as DynamoDB bills them, without changing its answers', async () => {
    // Signed as the function "billing" would sign: its own access key.
    const fn = new DynamoDBClient({
      region: 'us-east-1',
      credentials: functionCredentials('billing'),
      endpoint: cloud.endpoints.dynamodb,
    });
    const units = () =>
      cloud.usage().dynamodb.capacity.billing?.ItemsTable ?? { readUnits: 0, writeUnits: 0 };
    const step = async (send: () => Promise<unknown>) => {
      const before = units();
      const answer = await send();
      const after = units();
      return {
        answer,
        read: after.readUnits - before.readUnits,
        write: after.writeUnits - before.writeUnits,
      };
    };
    // 1.5 KB: two write units; the answer carries no ConsumedCapacity (nobody asked for it).
    const big = await step(() =>
      fn.send(
        new PutItemCommand({
          TableName: 'ItemsTable',
          Item: { pk: { S: 'units' }, sk: { S: 'big' }, note: { S: 'x'.repeat(1500) } },
        }),
      ),
    );
    expect(big).toMatchObject({ read: 0, write: 2 });
    expect(big.answer).not.toHaveProperty('ConsumedCapacity');
    // A strongly consistent read of it: one read unit (up to 4 KB); asked for, the units are answered.
    const read = await step(() =>
      fn.send(
        new GetItemCommand({
          TableName: 'ItemsTable',
          Key: { pk: { S: 'units' }, sk: { S: 'big' } },
          ConsistentRead: true,
          ReturnConsumedCapacity: 'TOTAL',
        }),
      ),
    );
    expect(read).toMatchObject({ read: 1, write: 0 });
    expect(read.answer).toMatchObject({
      ConsumedCapacity: { CapacityUnits: 1 },
      Item: { sk: { S: 'big' } },
    });
    // A transaction of two small puts: two units per item.
    const small = (sk: string) => ({
      Put: { TableName: 'ItemsTable', Item: { pk: { S: 'units' }, sk: { S: sk } } },
    });
    const tx = await step(() =>
      fn.send(new TransactWriteItemsCommand({ TransactItems: [small('a'), small('b')] })),
    );
    expect(tx).toMatchObject({ read: 0, write: 4 });
    // A write its condition refuses still costs a unit.
    const refused = await step(() =>
      fn
        .send(
          new PutItemCommand({
            TableName: 'ItemsTable',
            Item: { pk: { S: 'units' }, sk: { S: 'a' } },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        )
        .catch((error: unknown) => error),
    );
    expect(refused.answer).toBeInstanceOf(ConditionalCheckFailedException);
    expect(refused).toMatchObject({ read: 0, write: 1 });
    // A caller that is no function (the CLI, the test's own client) is counted apart.
    const outside = cloud.usage().dynamodb.capacity.outside?.ItemsTable?.writeUnits ?? 0;
    await dynamodb.send(
      new PutItemCommand({ TableName: 'ItemsTable', Item: { pk: { S: 'units' }, sk: { S: 'c' } } }),
    );
    expect(cloud.usage().dynamodb.capacity.outside?.ItemsTable?.writeUnits).toBe(outside + 1);
    fn.destroy();
  });

  it('answers the same snapshot on GET <endpoints.meter>/usage', async () => {
    const response = await fetch(`${cloud.endpoints.meter}/usage`);
    const usage = (await response.json()) as UsageSnapshot;
    expect(response.status).toBe(200);
    expect(usage.dynamodb.metered).toBe(true);
    expect(usage.dynamodb.requests.PutItem).toBeGreaterThanOrEqual(6);
    expect(usage.sqs.requests.SendMessageBatch).toBeGreaterThanOrEqual(1);
  });
});
