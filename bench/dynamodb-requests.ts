/**
 * `npm run bench:dynamodb`: what each kind of DynamoDB request of an order costs DynamoDB Local
 * and the client. Starts DynamoDB Local alone (the local cloud's JVM flags) with one streaming
 * pk/sk table, as the orders table is, and sends each request shape the functions send — a
 * TransactWriteItems of 1, 2 and 3 conditional Puts, a conditional PutItem, a consistent
 * BatchGetItem of one key — from C concurrent callers through one document client (as a
 * function's), after a warm-up; prints per shape the JVM's CPU ms per request (/proc), this
 * process's CPU ms per request, and requests per second. Figures only; 127.0.0.1 only; bounded
 * (--n requests a shape, default 1500; --c callers, default 16).
 */
import { parseArgs } from 'node:util';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  PutCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { withoutSdkLogger } from '../lambdas/shared/sdk-clients.js';
import { LOCAL_REGION_CONFIG, localCredentials } from '../local/emulators/credentials.js';
import { launchDynamoDbLocal, pkSkTableInput } from '../local/emulators/dynamodb.js';
import { cpuMsOf } from './cpu-meter.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { values } = parseArgs({
  options: { n: { type: 'string', default: '1500' }, c: { type: 'string', default: '16' } },
});
const n = Number(values.n);
const c = Number(values.c);
if (!Number.isInteger(n) || n < 100 || n > 20_000) throw new Error('--n: 100 to 20000');
if (!Number.isInteger(c) || c < 1 || c > 64) throw new Error('--c: 1 to 64');

const TABLE = 'requests';
/** An order-sized item, as the api and the worker write them. */
const order = {
  status: 'PENDING',
  items: [{ sku: 'coffee', qty: 1, unitPrice: 500 }],
  total: 500,
  currency: 'JPY',
  correlationId: 'cid-0123456789abcdef0123456789abcdef',
  createdAt: '2026-12-05T00:00:00.000Z',
  sagaId: '01M91D48S0KH3DCZVRAHXNSX0S',
};
const absent = 'attribute_not_exists(pk)';
let seq = 0;
/** `count` conditional Puts of a new order's items (a fresh pk for each call). */
function puts(count: number) {
  seq++;
  return Array.from({ length: count }, (_, i) => ({
    Put: {
      TableName: TABLE,
      Item: { pk: `ORDER#${seq}`, sk: `ITEM#${i}`, ...order },
      ConditionExpression: absent,
    },
  }));
}

const dynamo = await launchDynamoDbLocal();
try {
  await dynamo.ready;
  await dynamo.client.send(new CreateTableCommand(pkSkTableInput(TABLE, 'NEW_IMAGE')));
  const db = DynamoDBDocumentClient.from(
    withoutSdkLogger(
      new DynamoDBClient({
        endpoint: dynamo.endpoint,
        ...LOCAL_REGION_CONFIG,
        credentials: localCredentials(),
      }),
    ),
    { marshallOptions: { removeUndefinedValues: true } },
  );
  await db.send(
    new PutCommand({ TableName: TABLE, Item: { pk: 'CATALOG#coffee', sk: 'CATALOG', price: 500 } }),
  );
  const shapes: Record<string, () => Promise<unknown>> = {
    'TransactWriteItems, 3 Puts': () =>
      db.send(new TransactWriteCommand({ TransactItems: puts(3) })),
    'TransactWriteItems, 2 Puts': () =>
      db.send(new TransactWriteCommand({ TransactItems: puts(2) })),
    'TransactWriteItems, 1 Put': () =>
      db.send(new TransactWriteCommand({ TransactItems: puts(1) })),
    'PutItem, conditional': () => db.send(new PutCommand(puts(1)[0]!.Put)),
    'BatchGetItem, 1 key, consistent': () =>
      db.send(
        new BatchGetCommand({
          RequestItems: {
            [TABLE]: { Keys: [{ pk: 'CATALOG#coffee', sk: 'CATALOG' }], ConsistentRead: true },
          },
        }),
      ),
  };
  const jvm = () => cpuMsOf(dynamo.child.pid ?? 0);
  const run = async (send: () => Promise<unknown>, count: number) => {
    const jvmBefore = jvm();
    const selfBefore = process.cpuUsage();
    const started = performance.now();
    let sent = 0;
    await Promise.all(
      Array.from({ length: c }, async () => {
        while (sent < count) {
          sent++;
          await send();
        }
      }),
    );
    const self = process.cpuUsage(selfBefore);
    return {
      jvmMsPerRequest: +((jvm() - jvmBefore) / count).toFixed(2),
      clientMsPerRequest: +((self.user + self.system) / 1000 / count).toFixed(2),
      requestsPerS: Math.round(count / ((performance.now() - started) / 1000)),
    };
  };
  for (const send of Object.values(shapes)) await run(send, 1000); // warm-up: the JVM compiles
  for (const [shape, send] of Object.entries(shapes)) {
    console.log(
      JSON.stringify({ shape, clients: c, node: process.version, ...(await run(send, n)) }),
    );
  }
  db.destroy();
} finally {
  dynamo.child.kill('SIGKILL');
}
