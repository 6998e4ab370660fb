import { MethodNotAllowedError, NotFoundError } from '@aws-lambda-powertools/event-handler/http';
import { describe, expect, it } from 'vitest';
import {
  BodyTooLargeError,
  IdempotencyKeyInvalidError,
  IdempotencyKeyMissingError,
  IdempotencyKeyReusedError,
  MalformedJsonError,
  OrderNotFoundError,
  OrdersUnavailableError,
  PriceMismatchError,
  UnknownSkuError,
  ValidationFailedError,
} from '../../lambdas/api/errors.js';
import { toProblem } from '../../lambdas/api/problems.js';

describe('toProblem', () => {
  it.each([
    [
      new MalformedJsonError('x'),
      400,
      'MALFORMED_JSON',
      'https://mini-ec.dev/problems/malformed-json',
    ],
    [
      new ValidationFailedError([{ pointer: '/items', detail: 'is required' }]),
      400,
      'VALIDATION_FAILED',
      'https://mini-ec.dev/problems/validation-failed',
    ],
    [
      new IdempotencyKeyMissingError('x'),
      400,
      'IDEMPOTENCY_KEY_MISSING',
      'https://mini-ec.dev/problems/idempotency-key-missing',
    ],
    [
      new IdempotencyKeyInvalidError('x'),
      400,
      'IDEMPOTENCY_KEY_INVALID',
      'https://mini-ec.dev/problems/idempotency-key-invalid',
    ],
    [
      new OrderNotFoundError('x'),
      404,
      'ORDER_NOT_FOUND',
      'https://mini-ec.dev/problems/order-not-found',
    ],
    [new NotFoundError('x'), 404, 'NOT_FOUND', 'https://mini-ec.dev/problems/not-found'],
    [
      new MethodNotAllowedError('x'),
      405,
      'METHOD_NOT_ALLOWED',
      'https://mini-ec.dev/problems/method-not-allowed',
    ],
    [
      new BodyTooLargeError('x'),
      413,
      'BODY_TOO_LARGE',
      'https://mini-ec.dev/problems/body-too-large',
    ],
    [new UnknownSkuError(['tea']), 422, 'UNKNOWN_SKU', 'https://mini-ec.dev/problems/unknown-sku'],
    [
      new PriceMismatchError([{ sku: 'tea', stated: 1, catalog: 2 }]),
      422,
      'PRICE_MISMATCH',
      'https://mini-ec.dev/problems/price-mismatch',
    ],
    [
      new IdempotencyKeyReusedError('x'),
      422,
      'IDEMPOTENCY_KEY_REUSED',
      'https://mini-ec.dev/problems/idempotency-key-reused',
    ],
  ])('maps %o to %i %s with the stable type URI %s', (error, status, code, type) => {
    const problem = toProblem(error);

    expect(problem).toMatchObject({ status, code, type, detail: error.message });
    expect(problem.title.length).toBeGreaterThan(0);
  });

  it('carries the field errors of a validation failure', () => {
    const errors = [{ pointer: '/items/0/qty', detail: 'must be an integer from 1 to 1000' }];
    expect(toProblem(new ValidationFailedError(errors)).errors).toEqual(errors);
  });

  it('hides the details of an unexpected error behind 500 INTERNAL', () => {
    const problem = toProblem(new OrdersUnavailableError('table mini-ec-orders-XYZ throttled'));

    expect(problem).toMatchObject({ status: 500, code: 'INTERNAL' });
    expect(problem.detail).not.toContain('mini-ec-orders');
  });

  it('treats a thrown non-Error as INTERNAL', () => {
    expect(toProblem('boom').code).toBe('INTERNAL');
  });
});
