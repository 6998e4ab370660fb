/**
 * Property-based fuzzing of the orders API on a whole local cloud: thousands of generated
 * hostile requests (test/e2e/fuzz/hostile-requests.ts), each of which must get a 4xx
 * problem+json answer with a stable code — never a 5xx, never a hang — while the tables stay
 * exactly as they were. FUZZ_SEED=<n> replays (or explores) another run.
 */
import { Agent, request } from 'node:http';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertMatchesOpenApi } from '../../proof/contracts.js';
import { ApiClient, type E2eCloud, startE2eCloud } from '../../proof/harness.js';
import { CATEGORIES, type HostileRequest } from './fuzz/hostile-requests.js';

const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : 20261123;
const REQUEST_TIMEOUT_MS = 10_000;
/** Every code the API may answer a bad request with (lambdas/api/problems.ts). */
const CODES = new Set([
  'MALFORMED_JSON',
  'VALIDATION_FAILED',
  'IDEMPOTENCY_KEY_MISSING',
  'IDEMPOTENCY_KEY_INVALID',
  'ORDER_NOT_FOUND',
  'NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'BODY_TOO_LARGE',
  'UNKNOWN_SKU',
]);
const DOCUMENTED = /^\/orders(\/[^/]+(\/events)?)?$/;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

const agent = new Agent({ keepAlive: true, maxSockets: 8 });

/** Sends the exact bytes and headers; a hang past REQUEST_TIMEOUT_MS rejects. */
function send(baseUrl: string, hostile: HostileRequest): Promise<Answer> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method: hostile.method,
        path: hostile.path,
        headers: {
          ...hostile.headers,
          ...(hostile.body ? { 'content-length': String(hostile.body.length) } : {}),
        },
        agent,
        timeout: REQUEST_TIMEOUT_MS,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        response.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end(hostile.body);
  });
}

describe('fuzzing POST /orders and GET /orders/{id} with hostile requests', () => {
  let cloud: E2eCloud;
  let db: DynamoDBDocumentClient;
  const sent = new Map<string, number>();

  const snapshot = async () => {
    const tables = ['OrdersTableName', 'InventoryTableName', 'PaymentsTableName'];
    const out: Record<string, unknown[]> = {};
    for (const name of tables) {
      const items: unknown[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const page = await db.send(
          new ScanCommand({
            TableName: cloud.cloud.outputs[name],
            ExclusiveStartKey: start,
            ConsistentRead: true,
          }),
        );
        items.push(...(page.Items ?? []));
        start = page.LastEvaluatedKey;
      } while (start);
      out[name] = items.map((item) => JSON.stringify(item)).sort();
    }
    return out;
  };

  beforeAll(async () => {
    cloud = await startE2eCloud();
    db = DynamoDBDocumentClient.from(
      new DynamoDBClient({
        endpoint: cloud.cloud.endpoints.dynamodb,
        region: cloud.cloud.region,
        credentials: cloud.cloud.credentials,
      }),
    );
    // Real data to stay unchanged: stock, a catalog entry and one confirmed order.
    await cloud.setStock('fuzz-pen', 5, 120);
    const api = new ApiClient(cloud.apiUrl);
    const placed = await api.placeOrder({ items: [{ sku: 'fuzz-pen', qty: 1 }] });
    await api.waitForOutcome(String(placed.body.orderId));
    await cloud.waitForQueuesToDrain();
  });

  afterAll(async () => {
    agent.destroy();
    db?.destroy();
    await cloud?.stop();
    const total = [...sent.values()].reduce((a, b) => a + b, 0);
    console.log(
      `fuzz: ${total} hostile requests (seed ${SEED}): ${[...sent.entries()].map(([c, n]) => `${c} ${n}`).join(', ')}`,
    );
  });

  it('answers every one with a 4xx problem+json and a stable code, and changes no table', async () => {
    const before = await snapshot();

    for (const [index, [arbitrary, runs]] of CATEGORIES.entries()) {
      await fc.assert(
        fc.asyncProperty(arbitrary, async (hostile) => {
          sent.set(hostile.category, (sent.get(hostile.category) ?? 0) + 1);
          const answer = await send(cloud.apiUrl, hostile);
          const what = `${hostile.category}: ${hostile.method} ${hostile.path.slice(0, 80)} → ${answer.status} ${answer.text.slice(0, 200)}`;
          expect(answer.status, what).toBeGreaterThanOrEqual(400);
          expect(answer.status, what).toBeLessThan(500);
          expect(String(answer.headers['content-type']), what).toMatch(
            /^application\/problem\+json/,
          );
          const problem = JSON.parse(answer.text) as {
            status: number;
            code: string;
            type: string;
            title: string;
          };
          expect(problem.status, what).toBe(answer.status);
          expect(CODES.has(problem.code), what).toBe(true);
          const path = hostile.path.split('?')[0] ?? '';
          // A dot segment (`..`, `%2e%2e`) is resolved away before routing: not /orders/{id}.
          const dotSegment = path.split('/').some((part) => /^(\.|%2e){1,2}$/i.test(part));
          const documented =
            hostile.method === 'POST'
              ? path === '/orders'
              : hostile.method === 'GET' && path !== '/orders';
          if (DOCUMENTED.test(path) && !dotSegment && documented) {
            assertMatchesOpenApi({
              method: hostile.method,
              path,
              status: answer.status,
              headers: answer.headers as Record<string, string | undefined>,
              body: problem,
            });
          }
        }),
        { numRuns: runs, seed: SEED + index, endOnFailure: true },
      );
    }
    const total = [...sent.values()].reduce((a, b) => a + b, 0);

    expect(total).toBeGreaterThanOrEqual(2000);
    expect(await snapshot()).toEqual(before);
  });

  it('answers headers over the server’s limit with a gateway-style 431, not a bare status or a hang', async () => {
    const answer = await send(cloud.apiUrl, {
      category: 'headers over 16 KiB',
      method: 'POST',
      path: '/orders',
      headers: { 'idempotency-key': 'big-header', 'x-padding': 'p'.repeat(17 * 1024) },
      body: Buffer.from('{}'),
    });

    expect(answer.status).toBe(431);
    expect(JSON.parse(answer.text)).toEqual({ message: 'Request Header Fields Too Large' });
  });

  it('leaves a body over Lambda’s 6 MB payload limit to the gateway, which answers 413 without calling the function', async () => {
    const answer = await send(cloud.apiUrl, {
      category: 'over 6 MB',
      method: 'POST',
      path: '/orders',
      headers: { 'content-type': 'application/json', 'idempotency-key': 'over-six-mb' },
      body: Buffer.alloc(7 * 1024 * 1024, 0x20),
    });

    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.text)).toEqual({ message: 'Request Entity Too Large' });
  });
});
