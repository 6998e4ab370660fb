import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { choreographyMap, eventRoutes, readmeWithMap } from '../../proof/choreography.js';
import { asyncApiDocument } from '../../proof/contracts.js';

describe('the choreography map generated from docs/asyncapi.yaml', () => {
  const routes = eventRoutes(asyncApiDocument);

  it('routes order.placed.v1, written by the api, through the orders queue to the worker', () => {
    expect(routes.find((r) => r.type === 'order.placed.v1')).toEqual({
      type: 'order.placed.v1',
      writtenBy: 'api',
      relayedBy: 'outbox-relay',
      consumers: [{ queue: 'OrdersQueue', functions: ['worker'] }],
    });
  });

  it('lists every event the relay publishes, each written by the service its source names', () => {
    expect(routes.map((r) => `${r.type} ${r.writtenBy}`)).toEqual([
      'order.placed.v1 api',
      'inventory.reserved.v1 worker',
      'payment.charged.v1 worker',
      'inventory.released.v1 worker',
      'payment.refunded.v1 worker',
      'order.confirmed.v1 worker',
      'order.failed.v1 worker',
    ]);
    expect(routes.filter((r) => r.type !== 'order.placed.v1').flatMap((r) => r.consumers)).toEqual(
      [],
    );
  });

  it('is the map README.md shows (npm run docs:map writes it)', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

    expect(readme).toContain(choreographyMap(asyncApiDocument));
    expect(readmeWithMap(readme, asyncApiDocument)).toBe(readme);
  });
});
