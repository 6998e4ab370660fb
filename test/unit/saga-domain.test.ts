import { describe, expect, it } from 'vitest';
import {
  BACKOFF_CAP_SECONDS,
  backoffSeconds,
  isLastAttempt,
} from '../../lambdas/shared/backoff.js';
import {
  decideAfterCharge,
  decideAfterReserve,
  parsePlacedOrder,
} from '../../lambdas/worker/domain.js';

describe('saga decisions', () => {
  it('charges after a reservation', () => {
    expect(decideAfterReserve({ outcome: 'RESERVED' })).toEqual({ next: 'charge' });
  });

  it('fails OUT_OF_STOCK with nothing to compensate', () => {
    expect(decideAfterReserve({ outcome: 'REJECTED', reason: 'OUT_OF_STOCK' })).toEqual({
      next: 'fail',
      reason: 'OUT_OF_STOCK',
      compensate: [],
    });
  });

  it('gives up, compensating everything, when the reservation was released by an earlier attempt', () => {
    expect(decideAfterReserve({ outcome: 'REJECTED', reason: 'RESERVATION_RELEASED' })).toEqual({
      next: 'fail',
      reason: 'GAVE_UP',
      compensate: ['refund', 'release'],
    });
  });

  it('confirms after a charge, keeping the payment id', () => {
    expect(decideAfterCharge({ outcome: 'CHARGED', paymentId: 'pay_1' })).toEqual({
      next: 'confirm',
      paymentId: 'pay_1',
    });
  });

  it('releases the reservation and fails PAYMENT_DECLINED on a declined payment', () => {
    expect(decideAfterCharge({ outcome: 'REJECTED', reason: 'PAYMENT_DECLINED' })).toEqual({
      next: 'fail',
      reason: 'PAYMENT_DECLINED',
      compensate: ['release'],
    });
  });

  it('gives up when the payment was voided by an earlier attempt', () => {
    expect(decideAfterCharge({ outcome: 'REJECTED', reason: 'PAYMENT_VOIDED' })).toMatchObject({
      reason: 'GAVE_UP',
    });
  });
});

describe('isLastAttempt', () => {
  it('is true from the queue maxReceiveCount on', () => {
    expect(isLastAttempt(4, 5)).toBe(false);
    expect(isLastAttempt(5, 5)).toBe(true);
    expect(isLastAttempt(6, 5)).toBe(true);
  });
});

describe('backoffSeconds', () => {
  it('doubles per attempt between half and all of the exponential ceiling', () => {
    expect(backoffSeconds(1, () => 0)).toBe(1);
    expect(backoffSeconds(3, () => 0)).toBe(2);
    expect(backoffSeconds(3, () => 0.999)).toBe(4);
    expect(backoffSeconds(5, () => 0)).toBe(8);
    expect(backoffSeconds(5, () => 0.999)).toBe(16);
  });

  it('never exceeds 60 s, however many attempts', () => {
    for (const attempt of [7, 8, 20, 1000]) {
      expect(backoffSeconds(attempt, () => 0.999)).toBeLessThanOrEqual(BACKOFF_CAP_SECONDS);
      expect(backoffSeconds(attempt, () => 0)).toBe(30);
    }
  });

  it('is at least 1 s, also for nonsense attempts', () => {
    expect(backoffSeconds(0, () => 0)).toBe(1);
    expect(backoffSeconds(-3, () => 0)).toBe(1);
  });

  it('spreads retries of the same attempt (jitter)', () => {
    const values = new Set(Array.from({ length: 200 }, () => backoffSeconds(7)));
    expect(values.size).toBeGreaterThan(5);
  });
});

describe('parsePlacedOrder', () => {
  const placed = { orderId: 'o1', items: [{ sku: 'a', qty: 2 }], total: 1000, currency: 'JPY' };

  it('reads the order.placed.v1 data', () => {
    expect(parsePlacedOrder(placed)).toEqual({
      orderId: 'o1',
      items: [{ sku: 'a', qty: 2 }],
      total: 1000,
      currency: 'JPY',
      noShip: [],
    });
  });

  it('reads the skus that cannot ship, when the event names some', () => {
    expect(parsePlacedOrder({ ...placed, noShip: ['a'] })?.noShip).toEqual(['a']);
  });

  it.each([
    null,
    { orderId: 'o1', items: [], total: 1, currency: 'JPY' },
    { orderId: 'o1', items: [{ sku: 'a' }], total: 1, currency: 'JPY' },
    { orderId: 'o1', items: [{ sku: 'a', qty: 1 }], total: '1', currency: 'JPY' },
    { orderId: 'o1', items: [{ sku: 'a', qty: 1 }], total: 1, currency: 'JPY', noShip: 'a' },
  ])('refuses data the saga cannot run on: %j', (data) => {
    expect(parsePlacedOrder(data)).toBeUndefined();
  });
});
