import { describe, expect, it } from 'vitest';
import {
  MAX_BODY_BYTES,
  parseJsonBody,
  priceOrder,
  requestHash,
  resolveCorrelationId,
  validateIdempotencyKey,
  validatePlaceOrder,
} from '../../lambdas/api/domain.js';
import {
  BodyTooLargeError,
  IdempotencyKeyInvalidError,
  IdempotencyKeyMissingError,
  MalformedJsonError,
  PriceMismatchError,
  UnknownSkuError,
  ValidationFailedError,
} from '../../lambdas/api/errors.js';

function validationErrors(body: unknown) {
  try {
    validatePlaceOrder(body);
  } catch (error) {
    if (error instanceof ValidationFailedError) return error.errors;
    throw error;
  }
  return [];
}

describe('validatePlaceOrder', () => {
  it('accepts the documented body and sorts its lines by sku', () => {
    expect(
      validatePlaceOrder({
        items: [
          { sku: 'mug', qty: 1 },
          { sku: 'coffee', qty: 2, price: 500 },
        ],
      }),
    ).toEqual({
      items: [
        { sku: 'coffee', qty: 2, price: 500 },
        { sku: 'mug', qty: 1 },
      ],
    });
  });

  it.each([
    ['a 64-character sku', { items: [{ sku: 'a'.repeat(64), qty: 1 }] }],
    ['a sku of every allowed character', { items: [{ sku: 'Az09._-', qty: 1 }] }],
    ['qty 1000', { items: [{ sku: 'x', qty: 1000 }] }],
    ['50 items', { items: Array.from({ length: 50 }, (_, i) => ({ sku: `s${i}`, qty: 1 })) }],
    ['price 0', { items: [{ sku: 'x', qty: 1, price: 0 }] }],
  ])('accepts the bound: %s', (_what, body) => {
    expect(() => validatePlaceOrder(body)).not.toThrow();
  });

  it.each([
    ['a body that is not an object', [], ''],
    ['a missing items', {}, '/items'],
    ['an empty items', { items: [] }, '/items'],
    [
      '51 items',
      { items: Array.from({ length: 51 }, (_, i) => ({ sku: `s${i}`, qty: 1 })) },
      '/items',
    ],
    ['an empty sku', { items: [{ sku: '', qty: 1 }] }, '/items/0/sku'],
    ['a 65-character sku', { items: [{ sku: 'a'.repeat(65), qty: 1 }] }, '/items/0/sku'],
    ['a sku with a space', { items: [{ sku: 'a b', qty: 1 }] }, '/items/0/sku'],
    ['qty 0', { items: [{ sku: 'x', qty: 0 }] }, '/items/0/qty'],
    ['qty 1001', { items: [{ sku: 'x', qty: 1001 }] }, '/items/0/qty'],
    ['a fractional qty', { items: [{ sku: 'x', qty: 1.5 }] }, '/items/0/qty'],
    ['a qty as a string', { items: [{ sku: 'x', qty: '1' }] }, '/items/0/qty'],
    ['a negative price', { items: [{ sku: 'x', qty: 1, price: -1 }] }, '/items/0/price'],
    ['a fractional price', { items: [{ sku: 'x', qty: 1, price: 4.5 }] }, '/items/0/price'],
    ['an unknown item property', { items: [{ sku: 'x', qty: 1, gift: true }] }, '/items/0/gift'],
    ['an unknown top-level property', { items: [{ sku: 'x', qty: 1 }], note: 'hi' }, '/note'],
    [
      'a duplicated sku',
      {
        items: [
          { sku: 'x', qty: 1 },
          { sku: 'x', qty: 2 },
        ],
      },
      '/items/1/sku',
    ],
  ])('rejects %s, pointing at %s', (_what, body, pointer) => {
    expect(validationErrors(body).map((e) => e.pointer)).toContain(pointer);
  });

  it('lists every problem of a body at once', () => {
    expect(validationErrors({ items: [{ sku: '', qty: 0 }], extra: 1 })).toHaveLength(3);
  });
});

describe('parseJsonBody', () => {
  it('parses JSON', () => {
    expect(parseJsonBody('{"items":[]}')).toEqual({ items: [] });
  });

  it('refuses text that is not JSON as malformed', () => {
    expect(() => parseJsonBody('{"items":')).toThrow(MalformedJsonError);
  });

  it('refuses a body over 16 KiB, counted in bytes', () => {
    expect(() => parseJsonBody(`"${'é'.repeat(MAX_BODY_BYTES / 2)}"`)).toThrow(BodyTooLargeError);
    expect(() => parseJsonBody(`"${'a'.repeat(MAX_BODY_BYTES - 2)}"`)).not.toThrow();
  });

  it.each(['__proto__', 'constructor', 'prototype'])(
    'refuses a %s key anywhere, and pollutes nothing',
    (key) => {
      expect(() =>
        parseJsonBody(`{"items":[{"sku":"x","qty":1,"${key}":{"polluted":true}}]}`),
      ).toThrow(ValidationFailedError);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    },
  );
});

describe('validateIdempotencyKey', () => {
  it('requires the header', () => {
    expect(() => validateIdempotencyKey(undefined)).toThrow(IdempotencyKeyMissingError);
    expect(() => validateIdempotencyKey('')).toThrow(IdempotencyKeyMissingError);
  });

  it('accepts 1 to 255 printable ASCII characters', () => {
    expect(validateIdempotencyKey('a')).toBe('a');
    expect(validateIdempotencyKey('~'.repeat(255))).toBe('~'.repeat(255));
    expect(validateIdempotencyKey('key with spaces!')).toBe('key with spaces!');
  });

  it.each([
    ['256 characters', 'k'.repeat(256)],
    ['a control character', 'a\u0001b'],
    ['non-ASCII', 'clé'],
  ])('refuses %s', (_what, key) => {
    expect(() => validateIdempotencyKey(key)).toThrow(IdempotencyKeyInvalidError);
  });
});

describe('resolveCorrelationId', () => {
  const generate = () => 'generated';

  it('keeps a sane token', () => {
    expect(resolveCorrelationId('cid-1.a:B_2', generate)).toBe('cid-1.a:B_2');
    expect(resolveCorrelationId('x'.repeat(128), generate)).toBe('x'.repeat(128));
  });

  it.each([undefined, '', 'x'.repeat(129), 'has space', 'semi;colon', 'new\nline'])(
    'generates one instead of %j',
    (header) => {
      expect(resolveCorrelationId(header, generate)).toBe('generated');
    },
  );
});

describe('priceOrder', () => {
  const catalog = new Map([
    ['coffee', { price: 500, noShip: false }],
    ['mug', { price: 1200, noShip: false }],
  ]);

  it('prices every line from the catalog and adds qty × price', () => {
    expect(
      priceOrder(
        {
          items: [
            { sku: 'coffee', qty: 3 },
            { sku: 'mug', qty: 2 },
          ],
        },
        catalog,
      ),
    ).toEqual({
      items: [
        { sku: 'coffee', qty: 3, price: 500 },
        { sku: 'mug', qty: 2, price: 1200 },
      ],
      total: 3900,
      noShip: [],
    });
  });

  it('names the skus the catalog marks as not shippable', () => {
    const withPiano = new Map([...catalog, ['piano', { price: 90_000, noShip: true }]]);
    expect(
      priceOrder(
        {
          items: [
            { sku: 'coffee', qty: 1 },
            { sku: 'piano', qty: 1 },
          ],
        },
        withPiano,
      ).noShip,
    ).toEqual(['piano']);
  });

  it('accepts a stated price equal to the catalog price', () => {
    expect(priceOrder({ items: [{ sku: 'coffee', qty: 1, price: 500 }] }, catalog).total).toBe(500);
  });

  it('refuses a stated price that is not the catalog price, naming the sku', () => {
    expect(() => priceOrder({ items: [{ sku: 'coffee', qty: 1, price: 1 }] }, catalog)).toThrow(
      PriceMismatchError,
    );
  });

  it('refuses skus without a catalog entry, naming all of them', () => {
    try {
      priceOrder(
        {
          items: [
            { sku: 'tea', qty: 1 },
            { sku: 'coffee', qty: 1 },
            { sku: 'cake', qty: 1 },
          ],
        },
        catalog,
      );
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(UnknownSkuError);
      expect((error as UnknownSkuError).skus).toEqual(['tea', 'cake']);
    }
  });
});

describe('requestHash', () => {
  it('is equal for the same lines in another order, and differs for another quantity', () => {
    const a = validatePlaceOrder({
      items: [
        { sku: 'a', qty: 1 },
        { sku: 'b', qty: 2 },
      ],
    });
    const b = validatePlaceOrder({
      items: [
        { sku: 'b', qty: 2 },
        { sku: 'a', qty: 1 },
      ],
    });
    const c = validatePlaceOrder({
      items: [
        { sku: 'a', qty: 1 },
        { sku: 'b', qty: 3 },
      ],
    });
    expect(requestHash(a)).toBe(requestHash(b));
    expect(requestHash(a)).not.toBe(requestHash(c));
  });
});
