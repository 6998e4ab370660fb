import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { batchGetAll } from '../../lambdas/shared/dynamodb.js';
import { type LocalDynamo, startLocalDynamo } from '../support/ddb.js';

let dynamo: LocalDynamo;
let table: string;

beforeAll(async () => {
  dynamo = await startLocalDynamo();
  table = await dynamo.createTable('batch-get');
  const items = Array.from({ length: 230 }, (_, i) => ({ pk: `ITEM#${i}`, sk: 'A', n: i }));
  for (let i = 0; i < items.length; i += 25) {
    await dynamo.db.send(
      new BatchWriteCommand({
        RequestItems: {
          [table]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })),
        },
      }),
    );
  }
});

afterAll(async () => {
  await dynamo?.stop();
});

/** A document client whose BatchGetItem answers come from `answer`, one per request. */
function scripted(answer: (keys: Record<string, unknown>[], call: number) => unknown) {
  let call = 0;
  const seen: Record<string, unknown>[][] = [];
  const db = {
    send: async (command: { input: { RequestItems: Record<string, { Keys: [] }> } }) => {
      const keys = Object.values(command.input.RequestItems)[0]?.Keys ?? [];
      seen.push(keys);
      return answer(keys, call++);
    },
  } as unknown as DynamoDBDocumentClient;
  return { db, seen };
}

describe('batchGetAll', () => {
  it('reads 250 keys in requests of 100 from DynamoDB Local, and skips the keys with no item', async () => {
    const keys = Array.from({ length: 250 }, (_, i) => ({ pk: `ITEM#${i}`, sk: 'A' }));

    const items = await batchGetAll(dynamo.db, table, keys, { consistentRead: true });

    expect(items.map((item) => item.n).sort((a, b) => Number(a) - Number(b))).toEqual(
      Array.from({ length: 230 }, (_, i) => i),
    );
  });

  it('asks again for the UnprocessedKeys a request hands back', async () => {
    const { db, seen } = scripted((keys, call) =>
      call === 0
        ? {
            Responses: { t: keys.slice(0, 1).map((k) => ({ ...k, n: 0 })) },
            UnprocessedKeys: { t: { Keys: keys.slice(1) } },
          }
        : { Responses: { t: keys.map((k) => ({ ...k, n: 1 })) } },
    );

    const items = await batchGetAll(db, 't', [{ pk: 'a' }, { pk: 'b' }, { pk: 'c' }]);

    expect(items).toEqual([
      { pk: 'a', n: 0 },
      { pk: 'b', n: 1 },
      { pk: 'c', n: 1 },
    ]);
    expect(seen).toEqual([
      [{ pk: 'a' }, { pk: 'b' }, { pk: 'c' }],
      [{ pk: 'b' }, { pk: 'c' }],
    ]);
  });

  it('gives up with an error when keys stay unprocessed after 8 retries', async () => {
    vi.useFakeTimers();
    try {
      const { db, seen } = scripted((keys) => ({
        Responses: {},
        UnprocessedKeys: { t: { Keys: keys } },
      }));
      const read = batchGetAll(db, 't', [{ pk: 'a' }]);
      const outcome = read.catch((error: Error) => error);
      await vi.runAllTimersAsync();

      expect(await outcome).toMatchObject({
        message: 'BatchGetItem on t kept returning 1 unprocessed keys',
      });
      expect(seen).toHaveLength(9);
    } finally {
      vi.useRealTimers();
    }
  });
});
