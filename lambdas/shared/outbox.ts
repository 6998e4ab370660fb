/**
 * A service's outbox write of a fact it decided on its own: the event's item in the service's
 * table, beside the item it is about, only if absent (each type once per order there), so a
 * retried delivery never publishes a second event; written in the same transaction as the
 * state change it reports, or alone when that change was made before. The table's stream
 * carries it to the relay.
 */
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { IF_ABSENT, isConditionFailure } from './dynamodb.js';
import { type CloudEvent, outboxEventItem } from './events.js';
import { outboxEventKey } from './keys.js';

/** Writes the event's outbox item; false when the type was recorded for that item already. */
export async function putEventOnce(
  db: DynamoDBDocumentClient,
  tableName: string,
  of: { pk: string },
  event: CloudEvent,
): Promise<boolean> {
  try {
    await db.send(new PutCommand(outboxEventPut(tableName, of, event)));
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/** The Put of an event's outbox item beside `of`, if absent (alone, or in a transaction). */
export function outboxEventPut(tableName: string, of: { pk: string }, event: CloudEvent) {
  return {
    TableName: tableName,
    Item: outboxEventItem(outboxEventKey(of, event.type), event),
    ConditionExpression: IF_ABSENT,
  };
}
