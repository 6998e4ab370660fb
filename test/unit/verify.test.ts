import { describe, expect, it } from 'vitest';
import { check, INVARIANTS } from '../../cli/invariants.js';
import { parseAcceptedFile } from '../../cli/verify.js';

type Item = Record<string, unknown>;
const NOW = new Date('2026-11-23T12:00:00.000Z');
const AN_HOUR_AGO = '2026-11-23T11:00:00.000Z';
const A_SECOND_AGO = '2026-11-23T11:59:59.000Z';

const order = (id: string, status: string, extra: Item = {}): Item => ({
  kind: 'ORDER',
  orderId: id,
  status,
  total: 300,
  currency: 'JPY',
  items: [{ sku: 'pen', qty: 3, price: 100 }],
  createdAt: A_SECOND_AGO,
  ...extra,
});
const event = (id: string, type: string): Item => ({ kind: 'EVENT', orderId: id, type });
const reservation = (id: string, status: string, qty = 3): Item => ({
  kind: 'RESERVATION',
  orderId: id,
  status,
  items: status === 'RESERVED' || qty > 0 ? [{ sku: 'pen', qty }] : [],
});
const payment = (id: string, status: string, amount = 300): Item => ({
  kind: 'PAYMENT',
  orderId: id,
  status,
  amount,
  currency: 'JPY',
});
const stock = (available: number, reserved: number, stockedIn: number): Item => ({
  kind: 'STOCK',
  sku: 'pen',
  available,
  reserved,
  stockedIn,
});
const ledger = (delta: number): Item => ({ kind: 'STOCK_LEDGER', sku: 'pen', delta });

/** A consistent world: 10 pens put in, one CONFIRMED order of 3, one FAILED (released), one PENDING holding 3. */
function world() {
  return {
    orders: [
      order('A', 'CONFIRMED'),
      event('A', 'order.placed.v1'),
      event('A', 'order.confirmed.v1'),
      order('B', 'FAILED', { reason: 'PAYMENT_DECLINED' }),
      event('B', 'order.placed.v1'),
      event('B', 'order.failed.v1'),
      order('C', 'PENDING'),
      event('C', 'order.placed.v1'),
    ],
    inventory: [
      stock(4, 6, 10),
      ledger(12),
      ledger(-2),
      reservation('A', 'RESERVED'),
      reservation('B', 'RELEASED'),
      reservation('C', 'RESERVED'),
    ],
    payments: [payment('A', 'CHARGED'), payment('B', 'VOIDED')],
  };
}
const run = (w: ReturnType<typeof world>, options = {}) =>
  check(w.orders, w.inventory, w.payments, { now: NOW, ...options });
const invariants = (w: ReturnType<typeof world>, options = {}) =>
  run(w, options).violations.map((v) => v.invariant);

describe('verify: the invariants across the tables', () => {
  it('passes a consistent state and counts what it saw', () => {
    const report = run(world(), { acceptedOrderIds: ['A', 'B', 'C'] });
    expect(report.violations).toEqual([]);
    expect(report.counts).toMatchObject({
      'orders CONFIRMED': 1,
      'orders FAILED/PAYMENT_DECLINED': 1,
      'orders PENDING': 1,
      'ledger entries': 2,
      'payments CHARGED': 1,
      'reservations RESERVED': 2,
      skus: 1,
      violations: 0,
    });
  });

  it('reports an accepted order that does not exist', () => {
    expect(invariants(world(), { acceptedOrderIds: ['A', 'Z'] })).toEqual([
      INVARIANTS.acceptedMissing,
    ]);
  });

  it('reports an order PENDING longer than the bound', () => {
    const w = world();
    w.orders[6] = order('C', 'PENDING', { createdAt: AN_HOUR_AGO });
    expect(invariants(w, { maxPendingSeconds: 900 })).toEqual([INVARIANTS.pendingTooLong]);
    expect(invariants(w, { maxPendingSeconds: 7200 })).toEqual([]);
  });

  it('reports stock that does not add up: put in ≠ available + held + sold, and reserved ≠ held + sold', () => {
    const w = world();
    w.inventory[0] = stock(5, 6, 10);
    expect(invariants(w)).toEqual([INVARIANTS.stockEquation]);
    w.inventory[0] = stock(4, 7, 11);
    w.inventory.push(ledger(1));
    expect(invariants(w)).toEqual([INVARIANTS.stockEquation, INVARIANTS.stockReserved]);
  });

  it('reports a ledger that does not sum to the stock put in, and negative stock', () => {
    const w = world();
    w.inventory.push(ledger(1));
    expect(invariants(w)).toEqual([INVARIANTS.stockLedger]);
    const negative = world();
    negative.inventory[0] = stock(-1, 6, 5);
    negative.inventory.push(ledger(-5));
    expect(invariants(negative)).toEqual([INVARIANTS.stockNegative]);
  });

  it('reports a CONFIRMED order without exactly its charge, or without its reservation', () => {
    const wrongAmount = world();
    wrongAmount.payments[0] = payment('A', 'CHARGED', 299);
    expect(invariants(wrongAmount)).toEqual([INVARIANTS.confirmedCharge]);
    const refunded = world();
    refunded.payments[0] = payment('A', 'REFUNDED');
    expect(invariants(refunded)).toEqual([INVARIANTS.confirmedCharge]);
    const wrongQty = world();
    wrongQty.inventory[3] = reservation('A', 'RESERVED', 2);
    wrongQty.inventory[0] = stock(5, 5, 10);
    expect(invariants(wrongQty)).toEqual([INVARIANTS.confirmedReservation]);
  });

  it('reports a FAILED order that still holds stock or an unrefunded charge', () => {
    const w = world();
    w.inventory[4] = reservation('B', 'RESERVED');
    w.inventory[0] = stock(1, 9, 10); // B's 3 pens are taken, not lost: no equation violation
    w.payments[1] = payment('B', 'CHARGED');
    expect(invariants(w)).toEqual([INVARIANTS.failedHoldsStock, INVARIANTS.failedCharged]);
  });

  it('reports a charge or a reservation without an order', () => {
    const w = world();
    w.payments.push(payment('X', 'CHARGED'));
    w.inventory.push(reservation('Y', 'RESERVED', 1));
    expect(invariants(w)).toEqual(
      expect.arrayContaining([INVARIANTS.orphanPayment, INVARIANTS.orphanReservation]),
    );
  });

  it('reports a status without its event', () => {
    const w = world();
    w.orders.splice(2, 1); // A's order.confirmed.v1
    expect(invariants(w)).toEqual([INVARIANTS.missingEvent]);
  });

  it('reads --accepted files as a JSON array or one id per line', () => {
    expect(parseAcceptedFile('["A","B"]')).toEqual(['A', 'B']);
    expect(parseAcceptedFile('A\r\nB\n\n')).toEqual(['A', 'B']);
    expect(() => parseAcceptedFile('[1]')).toThrow(/array of order ids/);
  });
});
