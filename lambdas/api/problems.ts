/**
 * The one place where failures become HTTP: each domain error maps to an RFC 9457 problem
 * with a stable `type` and `code`. Anything unexpected is a 500 INTERNAL that reveals nothing.
 */
import { MethodNotAllowedError, NotFoundError } from '@aws-lambda-powertools/event-handler/http';
import {
  BodyTooLargeError,
  type FieldError,
  IdempotencyKeyInvalidError,
  IdempotencyKeyMissingError,
  IdempotencyKeyReusedError,
  MalformedJsonError,
  OrderNotFoundError,
  PriceMismatchError,
  UnknownSkuError,
  ValidationFailedError,
} from './errors.js';

/** RFC 9457 problem details with the project's stable `code`. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: FieldError[];
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
const PROBLEM_BASE = 'https://mini-ec.dev/problems/';

type ErrorClass = abstract new (...args: never[]) => Error;

/** Every known failure: its class, HTTP status, code and title. Order matters only for subclasses. */
const MAPPINGS: readonly [ErrorClass, number, string, string][] = [
  [MalformedJsonError, 400, 'MALFORMED_JSON', 'Malformed JSON'],
  [ValidationFailedError, 400, 'VALIDATION_FAILED', 'Validation failed'],
  [IdempotencyKeyMissingError, 400, 'IDEMPOTENCY_KEY_MISSING', 'Idempotency-Key missing'],
  [IdempotencyKeyInvalidError, 400, 'IDEMPOTENCY_KEY_INVALID', 'Idempotency-Key invalid'],
  [OrderNotFoundError, 404, 'ORDER_NOT_FOUND', 'Order not found'],
  [NotFoundError, 404, 'NOT_FOUND', 'Not found'],
  [MethodNotAllowedError, 405, 'METHOD_NOT_ALLOWED', 'Method not allowed'],
  [BodyTooLargeError, 413, 'BODY_TOO_LARGE', 'Body too large'],
  [UnknownSkuError, 422, 'UNKNOWN_SKU', 'Unknown sku'],
  [PriceMismatchError, 422, 'PRICE_MISMATCH', 'Price mismatch'],
  [IdempotencyKeyReusedError, 422, 'IDEMPOTENCY_KEY_REUSED', 'Idempotency-Key reused'],
];

const problemType = (code: string) => `${PROBLEM_BASE}${code.toLowerCase().replaceAll('_', '-')}`;

/** The problem an error stands for. */
export function toProblem(error: unknown): Problem {
  for (const [errorClass, status, code, title] of MAPPINGS) {
    if (error instanceof errorClass) {
      return {
        type: problemType(code),
        title,
        status,
        detail: error.message,
        code,
        ...(error instanceof ValidationFailedError ? { errors: error.errors } : {}),
      };
    }
  }
  return {
    type: problemType('INTERNAL'),
    title: 'Internal error',
    status: 500,
    detail: 'An unexpected error occurred; the logs say more under the correlation ID.',
    code: 'INTERNAL',
  };
}
