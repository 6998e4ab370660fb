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
    [new MalformedJsonError('x'), 400, 'MALFORMED_JSON'],
    [
      new ValidationFailedError([{ pointer: '/items', detail: 'is required' }]),
      400,
      'VALIDATION_FAILED',
    ],
    [new IdempotencyKeyMissingError('x'), 400, 'IDEMPOTENCY_KEY_MISSING'],
    [new IdempotencyKeyInvalidError('x'), 400, 'IDEMPOTENCY_KEY_INVALID'],
    [new OrderNotFoundError('x'), 404, 'ORDER_NOT_FOUND'],
    [new NotFoundError('x'), 404, 'NOT_FOUND'],
    [new MethodNotAllowedError('x'), 405, 'METHOD_NOT_ALLOWED'],
    [new BodyTooLargeError('x'), 413, 'BODY_TOO_LARGE'],
    [new UnknownSkuError(['tea']), 422, 'UNKNOWN_SKU'],
    [new PriceMismatchError([{ sku: 'tea', stated: 1, catalog: 2 }]), 422, 'PRICE_MISMATCH'],
    [new IdempotencyKeyReusedError('x'), 422, 'IDEMPOTENCY_KEY_REUSED'],
  ])('maps %o to %i %s with a stable type URI', (error, status, code) => {
    const problem = toProblem(error);

    expect(problem).toMatchObject({ status, code, detail: error.message });
    expect(problem.type).toBe(
      `https://mini-ec.dev/problems/${code.toLowerCase().replaceAll('_', '-')}`,
    );
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
