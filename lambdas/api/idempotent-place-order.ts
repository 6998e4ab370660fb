/**
 * Idempotency-Key semantics (IETF httpapi draft) with Powertools idempotency around the
 * place-order use case: the key is the Idempotency-Key, the payload hash is the normalized
 * request, records live 24 h. Powertools' own errors become the API's domain errors here.
 */
import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  IdempotencyValidationError,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { Context } from 'aws-lambda';
import { IdempotencyKeyInFlightError, IdempotencyKeyReusedError } from './errors.js';
import type { PlaceOrder, PlaceOrderInput, PlaceOrderResult } from './use-cases.js';

export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;

/** What placing an order once per Idempotency-Key answers. */
export interface PlaceOrderOnceResult {
  result: PlaceOrderResult;
  /** True when this answer replays the first answer given to the key. */
  replayed: boolean;
}

/** Place-order, at most once per Idempotency-Key. */
export interface PlaceOrderOnce {
  /** Lets Powertools time out an in-flight record with the invocation (call once per invocation). */
  registerLambdaContext(context: Context): void;
  /** Places the order or replays the first answer; IdempotencyKeyReused/InFlight errors otherwise. */
  run(input: PlaceOrderInput): Promise<PlaceOrderOnceResult>;
}

/** Wraps the use case with Powertools idempotency on the given table (partition key `id`). */
export function placeOrderOnce(placeOrder: PlaceOrder, tableName: string): PlaceOrderOnce {
  const config = new IdempotencyConfig({
    eventKeyJmesPath: 'idempotencyKey',
    payloadValidationJmesPath: 'request',
    expiresAfterSeconds: IDEMPOTENCY_TTL_SECONDS,
    throwOnNoIdempotencyKey: true,
  });
  const persistenceStore = new DynamoDBPersistenceLayer({ tableName });
  const placeOnce = makeIdempotent(
    async function placeOrderOnce(input: PlaceOrderInput): Promise<PlaceOrderResult> {
      return placeOrder.execute(input);
    },
    { persistenceStore, config },
  );
  return {
    registerLambdaContext: (context) => config.registerLambdaContext(context),
    async run(input) {
      try {
        const result = await placeOnce(input);
        return { result, replayed: result.attemptId !== input.attemptId };
      } catch (error) {
        if (error instanceof IdempotencyValidationError) {
          throw new IdempotencyKeyReusedError(
            'This Idempotency-Key was used with another request body.',
            {
              cause: error,
            },
          );
        }
        if (error instanceof IdempotencyAlreadyInProgressError) {
          throw new IdempotencyKeyInFlightError(
            'A request with this Idempotency-Key is still being processed; retry later.',
            { cause: error },
          );
        }
        throw error;
      }
    },
  };
}
