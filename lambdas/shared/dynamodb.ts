/**
 * Small helpers shared by the DynamoDB adapters: reading why a transaction was cancelled.
 * Adapters turn these into their own domain errors; nothing here is a business rule.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** A document client over a plain SDK client (endpoints come from the environment, never code). */
export function newDocumentClient(): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient({}), {
    marshallOptions: { removeUndefinedValues: true },
  });
}

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
