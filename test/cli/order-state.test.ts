/**
 * When the CLI takes an order as settled (`order`, `trace --follow`, the orders `cost` places):
 * the shared rule of lambdas/shared/settled.ts on a target with the shipping service, and
 * CONFIRMED as the end on one deployed before it. Read from the API's view or the orders
 * table's item alike.
 */
import { describe, expect, it } from 'vitest';
import { hasSettled, shipsOrders } from '../../cli/order-state.js';

const outputs = {
  ApiUrl: 'http://127.0.0.1:9/',
  OrdersTableName: 'o',
  InventoryTableName: 'i',
  PaymentsTableName: 'p',
};

describe('a settled order, as the CLI waits for it', () => {
  it('is FAILED or CANCELLED, or CONFIRMED with its shipment requested, on a target that ships', () => {
    expect(hasSettled({ status: 'FAILED' }, true)).toBe(true);
    expect(hasSettled({ status: 'CANCELLED', shipment: { status: 'FAILED' } }, true)).toBe(true);
    expect(hasSettled({ status: 'CONFIRMED', shipment: { status: 'REQUESTED' } }, true)).toBe(true);
  });

  it('is not PENDING, nor CONFIRMED before its shipment or while its failed shipment is compensated', () => {
    expect(hasSettled({ status: 'PENDING' }, true)).toBe(false);
    expect(hasSettled({ status: 'CONFIRMED' }, true)).toBe(false);
    expect(hasSettled({ status: 'CONFIRMED', shipment: { status: 'FAILED' } }, true)).toBe(false);
    expect(hasSettled({ status: 'CONFIRMED', shipment: 'REQUESTED' }, true)).toBe(false);
  });

  it('is CONFIRMED already on a target without the shipping service', () => {
    expect(shipsOrders(outputs)).toBe(false);
    expect(shipsOrders({ ...outputs, ShippingFunctionName: 'MiniEc-Shipping' })).toBe(true);
    expect(hasSettled({ status: 'CONFIRMED' }, false)).toBe(true);
    expect(hasSettled({ status: 'PENDING' }, false)).toBe(false);
  });
});
