import { describe, expect, it } from 'vitest';
import {
  interpretReserveCancellation,
  mergeLines,
  parseInventoryCommand,
} from '../../lambdas/inventory/domain.js';
import { isDeclined, parsePaymentCommand } from '../../lambdas/payment/domain.js';
import {
  InjectedFaultError,
  injectFault,
  loseAnswerAfterCommit,
  NO_FAULTS,
  parseFaultSettings,
} from '../../lambdas/shared/faults.js';
import { isOrderId, newOrderId } from '../../lambdas/shared/ids.js';

describe('interpretReserveCancellation', () => {
  it('reads a failed reservation condition as "seen before", whatever the stock says', () => {
    expect(interpretReserveCancellation(['ConditionalCheckFailed', 'ConditionalCheckFailed'])).toBe(
      'RESERVATION_EXISTS',
    );
  });

  it('reads a failed stock condition as out of stock', () => {
    expect(interpretReserveCancellation(['None', 'None', 'ConditionalCheckFailed'])).toBe(
      'OUT_OF_STOCK',
    );
  });

  it('reads conflicts and throttling as transient', () => {
    expect(interpretReserveCancellation(['None', 'TransactionConflict'])).toBe('TRANSIENT');
    expect(interpretReserveCancellation(['ThrottlingError', 'None'])).toBe('TRANSIENT');
  });
});

describe('inventory commands', () => {
  it('merges lines of one sku so a transaction never touches a stock item twice', () => {
    expect(
      mergeLines([
        { sku: 'a', qty: 1 },
        { sku: 'b', qty: 2 },
        { sku: 'a', qty: 3 },
      ]),
    ).toEqual([
      { sku: 'a', qty: 4 },
      { sku: 'b', qty: 2 },
    ]);
  });

  it('reads reserve and release', () => {
    expect(parseInventoryCommand({ command: 'release', orderId: 'o', correlationId: 'c' })).toEqual(
      {
        command: 'release',
        orderId: 'o',
        correlationId: 'c',
      },
    );
    expect(
      parseInventoryCommand({
        command: 'reserve',
        orderId: 'o',
        correlationId: 'c',
        items: [{ sku: 'a', qty: 1 }],
      }),
    ).toMatchObject({
      items: [{ sku: 'a', qty: 1 }],
    });
  });

  it.each([
    null,
    { command: 'steal', orderId: 'o', correlationId: 'c' },
    { command: 'reserve', orderId: 'o', correlationId: 'c', items: [] },
    { command: 'reserve', orderId: 'o', correlationId: 'c', items: [{ sku: 'a', qty: 0 }] },
    { command: 'release', orderId: '', correlationId: 'c' },
    { command: 'release', orderId: 'o' },
  ])('refuses %j', (payload) => {
    expect(() => parseInventoryCommand(payload)).toThrow();
  });
});

describe('payment commands', () => {
  it('declines only amounts above the limit', () => {
    expect(isDeclined(100_000, 100_000)).toBe(false);
    expect(isDeclined(100_001, 100_000)).toBe(true);
  });

  it('reads charge and refund, and refuses a charge without a currency', () => {
    expect(
      parsePaymentCommand({
        command: 'charge',
        orderId: 'o',
        amount: 5,
        currency: 'JPY',
        correlationId: 'c',
      }),
    ).toMatchObject({
      amount: 5,
    });
    expect(
      parsePaymentCommand({ command: 'refund', orderId: 'o', correlationId: 'c' }).command,
    ).toBe('refund');
    expect(() =>
      parsePaymentCommand({ command: 'charge', orderId: 'o', amount: 5, correlationId: 'c' }),
    ).toThrow();
    expect(() =>
      parsePaymentCommand({
        command: 'charge',
        orderId: 'o',
        amount: 1.5,
        currency: 'JPY',
        correlationId: 'c',
      }),
    ).toThrow();
  });
});

describe('injectFault', () => {
  it('fails when the draw is under the rate, and not otherwise', async () => {
    await expect(
      injectFault({ failRate: 0.3, delayMs: 0, failAfterCommit: 0 }, () => 0.29),
    ).rejects.toBeInstanceOf(InjectedFaultError);
    await expect(
      injectFault({ failRate: 0.3, delayMs: 0, failAfterCommit: 0 }, () => 0.3),
    ).resolves.toBeUndefined();
  });

  it('never fails at rate 0 and always at rate 1', async () => {
    await expect(
      injectFault({ failRate: 0, delayMs: 0, failAfterCommit: 0 }, () => 0),
    ).resolves.toBeUndefined();
    await expect(
      injectFault({ failRate: 1, delayMs: 0, failAfterCommit: 0 }, () => 0.999),
    ).rejects.toThrow(/temporary failure/);
  });

  it('waits the delay first', async () => {
    const started = Date.now();
    await injectFault({ failRate: 0, delayMs: 50, failAfterCommit: 0 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
  });
});

describe('loseAnswerAfterCommit', () => {
  it('throws with probability failAfterCommit, after the work (it is called after it)', () => {
    const settings = { ...NO_FAULTS, failAfterCommit: 0.5 };
    expect(() => loseAnswerAfterCommit(settings, () => 0.49)).toThrow(/answer lost after/);
    expect(() => loseAnswerAfterCommit(settings, () => 0.5)).not.toThrow();
    expect(() => loseAnswerAfterCommit(NO_FAULTS, () => 0)).not.toThrow();
  });
});

describe('parseFaultSettings', () => {
  const base = { failRate: 0.1, delayMs: 5, failAfterCommit: 0 };

  it('overrides the base with the fields given, and {} means the base', () => {
    expect(parseFaultSettings({}, base)).toEqual(base);
    expect(parseFaultSettings({ failAfterCommit: 0.3, delayMs: 5000 }, base)).toEqual({
      failRate: 0.1,
      delayMs: 5000,
      failAfterCommit: 0.3,
    });
  });

  it('refuses unknown fields, out-of-range and non-numeric values, and non-objects, by name', () => {
    expect(() => parseFaultSettings({ failrate: 0.1 }, base)).toThrow(
      /unknown fault setting "failrate"/,
    );
    expect(() => parseFaultSettings({ failRate: 1.5 }, base)).toThrow(
      /failRate must be a number in \[0, 1\]/,
    );
    expect(() => parseFaultSettings({ delayMs: '10' }, base)).toThrow(/delayMs/);
    expect(() => parseFaultSettings({ delayMs: 60_001 }, base)).toThrow(/delayMs/);
    expect(() => parseFaultSettings([], base)).toThrow(/JSON object/);
    expect(() => parseFaultSettings(null, base)).toThrow(/JSON object/);
  });
});

describe('order ids', () => {
  it('are ULIDs that sort by creation time', () => {
    const early = newOrderId(1_700_000_000_000);
    const late = newOrderId(1_700_000_000_001);
    expect(isOrderId(early)).toBe(true);
    expect(early < late).toBe(true);
    expect(isOrderId('not-an-order')).toBe(false);
    expect(isOrderId(early.toLowerCase())).toBe(false);
  });
});
