import { describe, expect, it } from 'vitest';
import { decideShipment, parseConfirmedOrder } from '../../lambdas/shipping/domain.js';

const order = {
  orderId: 'o1',
  items: [
    { sku: 'mug', qty: 1 },
    { sku: 'piano', qty: 2 },
  ],
  noShip: [] as string[],
};

describe('parseConfirmedOrder', () => {
  it('reads what shipping needs of order.confirmed.v1', () => {
    expect(parseConfirmedOrder({ ...order, total: 1, currency: 'JPY' })).toEqual(order);
  });

  it('reads an event without noShip (written before skus could be marked) as all shippable', () => {
    const { noShip: _, ...older } = order;
    expect(parseConfirmedOrder(older)?.noShip).toEqual([]);
  });

  it.each([
    null,
    { ...order, items: [] },
    { ...order, items: [{ sku: 'mug' }] },
    { ...order, noShip: 'piano' },
    { ...order, noShip: [1] },
  ])('refuses data without it: %j', (data) => {
    expect(parseConfirmedOrder(data)).toBeUndefined();
  });
});

describe('decideShipment', () => {
  it('ships an order whose skus can all ship', () => {
    expect(decideShipment(order, false)).toEqual({ ship: true });
  });

  it('fails an order with a sku that cannot ship, naming it, even on a last attempt', () => {
    const withPiano = { ...order, noShip: ['piano', 'harp'] };
    expect(decideShipment(withPiano, false)).toEqual({
      ship: false,
      reason: 'SKU_CANNOT_SHIP',
      skus: ['piano'],
    });
    expect(decideShipment(withPiano, true)).toMatchObject({ reason: 'SKU_CANNOT_SHIP' });
  });

  it('fails a shippable order for good when its last attempt failed transiently', () => {
    expect(decideShipment(order, true)).toEqual({ ship: false, reason: 'GAVE_UP' });
  });
});
