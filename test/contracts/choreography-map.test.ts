import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { choreographyMap, eventRoutes, readmeWithMap } from '../../proof/choreography.js';
import { asyncApiDocument } from '../../proof/contracts.js';

describe('the choreography map generated from docs/asyncapi.yaml', () => {
  const routes = eventRoutes(asyncApiDocument);

  it('routes order.placed.v1, written by the api, through the orders queue to the worker', () => {
    expect(routes.find((r) => r.type === 'order.placed.v1')).toEqual({
      type: 'order.placed.v1',
      source: 'mini-ec/api',
      writtenBy: 'api',
      outbox: 'OrdersTable',
      relayedBy: 'outbox-relay',
      consumers: [
        { queue: 'OrdersQueue', reactions: [{ function: 'worker', does: 'Run the saga' }] },
      ],
    });
  });

  it('lists every event each service writes in its outbox, in the order of the flow', () => {
    expect(routes.map((r) => `${r.type} ${r.writtenBy} ${r.outbox}`)).toEqual([
      'order.placed.v1 api OrdersTable',
      'inventory.reserved.v1 worker OrdersTable',
      'payment.charged.v1 worker OrdersTable',
      'inventory.released.v1 worker OrdersTable',
      'payment.refunded.v1 worker OrdersTable',
      'order.confirmed.v1 worker OrdersTable',
      'order.failed.v1 worker OrdersTable',
      'shipping.requested.v1 shipping ShipmentsTable',
      'shipping.failed.v1 shipping ShipmentsTable',
      'payment.refunded.v1 payment PaymentsTable',
      'inventory.released.v1 inventory InventoryTable',
      'order.cancelled.v1 worker OrdersTable',
    ]);
  });

  it('shows who reacts to what: shipping to a confirmed order, the compensations in reverse order, the order service to every other service', () => {
    const reactions = Object.fromEntries(
      routes.map((r) => [
        `${r.type} from ${r.writtenBy}`,
        r.consumers.flatMap((c) => c.reactions.map((x) => `${c.queue} → ${x.function}`)),
      ]),
    );

    expect(reactions).toEqual({
      'order.placed.v1 from api': ['OrdersQueue → worker'],
      'inventory.reserved.v1 from worker': [],
      'payment.charged.v1 from worker': [],
      // The worker's own compensations of a FAILED order: nobody else reacts (source filter).
      'inventory.released.v1 from worker': [],
      'payment.refunded.v1 from worker': [],
      'order.confirmed.v1 from worker': ['ShippingOrdersQueue → shipping'],
      'order.failed.v1 from worker': [],
      'shipping.requested.v1 from shipping': ['OrdersQueue → worker'],
      'shipping.failed.v1 from shipping': ['OrdersQueue → worker', 'PaymentFactsQueue → payment'],
      'payment.refunded.v1 from payment': [
        'OrdersQueue → worker',
        'InventoryFactsQueue → inventory',
      ],
      'inventory.released.v1 from inventory': ['OrdersQueue → worker'],
      'order.cancelled.v1 from worker': [],
    });
  });

  it('is the map README.md shows (npm run docs:map writes it)', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    // Only the section between the markers, so that a failure shows the map's rows, not the README.
    const section = (text: string) =>
      text.slice(
        text.indexOf('<!-- choreography-map -->'),
        text.indexOf('<!-- /choreography-map -->'),
      );

    expect(section(readme)).toContain(choreographyMap(asyncApiDocument));
    expect(section(readme)).toBe(section(readmeWithMap(readme, asyncApiDocument)));
  });
});
