/**
 * Small helpers shared by the DynamoDB adapters (and the CLI): reading why a transaction was
 * cancelled, reading many keys. Adapters turn failures into their own domain errors; nothing
 * here is a business rule.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { withoutSdkLogger } from './sdk-clients.js';

/** A document client over a plain SDK client (endpoints come from the environment, never code). */
export function newDocumentClient(): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(withoutSdkLogger(new DynamoDBClient({})), {
    marshallOptions: { removeUndefinedValues: true },
  });
}

/** The condition of a put that creates an item and never overwrites one. */
export const IF_ABSENT = 'attribute_not_exists(pk)';

/** Per-operation cancellation codes of a TransactionCanceledException, or undefined for other errors. */
export function cancellationCodes(error: unknown): (string | undefined)[] | undefined {
  if (!(error instanceof Error) || error.name !== 'TransactionCanceledException') return undefined;
  const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons;
  if (reasons) return reasons.map((r) => r.Code);
  // Some emulators only put the reasons in the message: "... [ConditionalCheckFailed, None]".
  const match = /\[([^\]]*)\]/.exec(error.message);
  return match?.[1]?.split(',').map((code) => code.trim()) ?? [];
}

/** True for a ConditionalCheckFailedException of a single-item write. */
export function isConditionFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

/** Keys per BatchGetItem request (DynamoDB's limit). */
const BATCH_GET_KEYS = 100;
/** Retries of a request's unprocessed keys before giving up (backoff 40 ms, doubling to 640). */
const UNPROCESSED_RETRIES = 8;

/**
 * The items of these keys in one table, by BatchGetItem: 100 keys a request, and the
 * UnprocessedKeys DynamoDB hands back (throttling, the 16 MB limit) asked again with backoff;
 * throws when they are still unprocessed after 8 retries. Keys with no item give nothing.
 */
export async function batchGetAll(
  db: DynamoDBDocumentClient,
  table: string,
  keys: readonly Record<string, unknown>[],
  { consistentRead = false }: { consistentRead?: boolean } = {},
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for (let i = 0; i < keys.length; i += BATCH_GET_KEYS) {
    let pending = keys.slice(i, i + BATCH_GET_KEYS);
    for (let round = 0; pending.length > 0; round++) {
      if (round > UNPROCESSED_RETRIES)
        throw new Error(
          `BatchGetItem on ${table} kept returning ${pending.length} unprocessed keys`,
        );
      if (round > 0)
        await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** Math.min(round, 5)));
      const result = await db.send(
        new BatchGetCommand({
          RequestItems: { [table]: { Keys: pending, ConsistentRead: consistentRead } },
        }),
      );
      items.push(...((result.Responses?.[table] ?? []) as Record<string, unknown>[]));
      pending = (result.UnprocessedKeys?.[table]?.Keys ?? []) as Record<string, unknown>[];
    }
  }
  return items;
}
