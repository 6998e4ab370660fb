/**
 * A service's outbox write of a fact it decided on its own: the event's item in the service's
 * table, beside the item it is about, only if absent (each type once per order there), so a
 * retried delivery never publishes a second event. The table's stream carries it to the relay.
 */
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionFailure } from './dynamodb.js';
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
    await db.send(
      new PutCommand({
        TableName: tableName,
        Item: outboxEventItem(outboxEventKey(of, event.type), event),
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}
