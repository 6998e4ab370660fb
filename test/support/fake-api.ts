/**
 * A scripted stand-in for the orders API, for the CLI's `order` and `orders get` tests (the
 * real API needs the whole local cloud, which the end-to-end suite runs). Every answer it
 * gives is checked against docs/openapi.yaml first, so it cannot drift from the contract.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { assertMatchesOpenApi } from '../../proof/contracts.js';

/** One scripted answer. */
export interface Scripted {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** A running fake API: its URL, the requests it saw, and how to stop it. */
export interface FakeApi {
  url: string;
  requests: { method: string; path: string; headers: Record<string, string>; body: string }[];
  stop: () => Promise<void>;
}

/**
 * Serves `POST /orders` with `placed` and `GET /orders/{id}` with the `orders` answers in
 * turn (the last one repeats).
 */
export async function startFakeApi(script: {
  placed: Scripted;
  orders: Scripted[];
}): Promise<FakeApi> {
  const requests: FakeApi['requests'] = [];
  let reads = 0;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on('end', () => {
      const path = req.url ?? '/';
      const headers = Object.fromEntries(
        Object.entries(req.headers).map(([k, v]) => [k, String(v)]),
      );
      requests.push({ method: req.method ?? 'GET', path, headers, body });
      const isPost = req.method === 'POST' && path === '/orders';
      const answer = isPost
        ? script.placed
        : (script.orders[Math.min(reads++, script.orders.length - 1)] as Scripted);
      const contentType = answer.status >= 400 ? 'application/problem+json' : 'application/json';
      const sent = {
        'content-type': contentType,
        'x-correlation-id': 'cid-fake',
        ...answer.headers,
      };
      assertMatchesOpenApi({
        method: req.method ?? 'GET',
        path: isPost ? '/orders' : '/orders/{id}',
        status: answer.status,
        headers: sent,
        body: answer.body,
      });
      res.writeHead(answer.status, sent).end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** An order as GET /orders/{id} returns it. */
export function orderBody(status: string, extra: Record<string, unknown> = {}) {
  return {
    orderId: 'o-1',
    status,
    total: 1000,
    currency: 'JPY',
    items: [{ sku: 'coffee', qty: 2, price: 500 }],
    correlationId: 'cid-fake',
    createdAt: '2025-11-22T10:00:00.000Z',
    updatedAt: '2025-11-22T10:00:00.000Z',
    ...extra,
  };
}
