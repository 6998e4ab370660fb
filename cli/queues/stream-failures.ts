/**
 * The relay DLQ: the stream sources' on-failure records, which only point into a table's
 * stream (each record names its stream: the orders, payments, inventory or shipments table's
 * outbox). They are replayed by reading that range of the stream while it still holds it
 * (24 h), or else from the tables (`--from-table`): every outbox event of every order that has
 * not settled is published again, from each service's table. Every consumer deduplicates by
 * order and event id, so what was delivered before changes nothing.
 */
import {
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as StreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
import type { Message } from '@aws-sdk/client-sqs';
import { type DynamoDBDocumentClient, paginateQuery, paginateScan } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { asCloudEvent, type CloudEvent } from '../../lambdas/shared/events.js';
import {
  ItemKind,
  ORDER_EVENT_SK_PREFIX,
  orderKey,
  paymentKey,
  reservationKey,
  shipmentKey,
} from '../../lambdas/shared/keys.js';
import { toQueueMessage } from '../../lambdas/shared/queue-messages.js';
import { hasSettled } from '../../lambdas/shared/settled.js';
import { clientConfig, documentClient } from '../clients.js';
import { CliError } from '../errors.js';
import type { Target } from '../target.js';
import { QueueAdapter, type RedriveResult } from './adapter.js';

/** An on-failure record of the relay DLQ, as `dlq list` shows it. */
export interface StreamFailureView {
  messageId: string;
  shardId: string | null;
  startSequenceNumber: string | null;
  endSequenceNumber: string | null;
  batchSize: number | null;
  firstRecordAt: string | null;
  condition: string | null;
  functionError: string | null;
  receiveCount: number;
}

/**
 * Each service's outbox: its table (by the stack's output) and the item of an order its events
 * sit beside. A stack deployed before the shipping service has no shipments table: skipped.
 */
const OUTBOXES = [
  { output: 'OrdersTableName', keyOf: orderKey },
  { output: 'InventoryTableName', keyOf: reservationKey },
  { output: 'PaymentsTableName', keyOf: paymentKey },
  { output: 'ShipmentsTableName', keyOf: shipmentKey, optional: true },
] as const;

/** GetRecords may answer an empty page before later records of an open shard: read on a while. */
const MAX_EMPTY_PAGES = 20;

/** Reads and replays the relay DLQ (the stream source's on-failure records) of a target. */
export class StreamFailures extends QueueAdapter {
  private readonly dlqUrl: string;
  private readonly topicArn: string;
  private readonly streams: DynamoDBStreamsClient;
  private readonly db: DynamoDBDocumentClient;

  constructor(target: Target) {
    super(target);
    this.dlqUrl = this.output('RelayDlqUrl');
    this.topicArn = this.output('OrderEventsTopicArn');
    this.streams = new DynamoDBStreamsClient(clientConfig(target, 'dynamodb'));
    this.db = documentClient(target);
  }

  /** How many on-failure records the relay DLQ holds, and up to `max` of them. */
  async peek(max = 10): Promise<{ approximateCount: number; records: StreamFailureView[] }> {
    const approximateCount = await this.count('dlq list', this.dlqUrl);
    const records = (await this.peekMessages('dlq list', this.dlqUrl, max)).map(describeFailure);
    return { approximateCount, records };
  }

  /**
   * Replays every on-failure record: the events of its stream range are published to the
   * events topic as the relay publishes them, then the record is deleted. With `fromTable`,
   * every outbox event of every order not settled is published again instead (in the order
   * they happened), and every record deleted.
   */
  async replay(options: { fromTable?: boolean } = {}): Promise<RedriveResult> {
    let moved = 0;
    let eventsSent = 0;
    if (options.fromTable) {
      const events = await this.unsettledOrderEvents();
      await this.publishAll('dlq redrive', this.topicArn, events.map(toQueueMessage));
      eventsSent = events.length;
    }
    for (;;) {
      const messages = await this.take('dlq redrive', this.dlqUrl, 10);
      if (messages.length === 0) break;
      for (const [i, message] of messages.entries()) {
        try {
          if (!options.fromTable) {
            const events = await this.eventsOf(message);
            await this.publishAll('dlq redrive', this.topicArn, events.map(toQueueMessage));
            eventsSent += events.length;
          }
          await this.delete('dlq redrive', this.dlqUrl, message);
        } catch (error) {
          await this.giveBack(this.dlqUrl, messages.slice(i));
          const reason = error instanceof Error ? error.message : String(error);
          throw new CliError(
            `${reason} — before this, ${moved} record(s) were replayed (${eventsSent} event(s) sent); this one and the rest stay in the relay DLQ`,
            1,
            { cause: error },
          );
        }
        moved++;
      }
    }
    return { moved, method: options.fromTable ? 'from-table' : 'stream-replay', eventsSent };
  }

  /** The EVENT inserts of one on-failure record's stream range. */
  private async eventsOf(message: Message): Promise<CloudEvent[]> {
    const info = describeFailure(message);
    const streamArn = batchInfo(message)?.streamArn;
    if (
      !info.shardId ||
      !info.startSequenceNumber ||
      !info.endSequenceNumber ||
      typeof streamArn !== 'string'
    ) {
      throw new CliError(
        `dlq redrive: message ${info.messageId} is not a stream on-failure record; it stays`,
      );
    }
    const end = BigInt(info.endSequenceNumber);
    const events: CloudEvent[] = [];
    try {
      let iterator = (
        await this.streams.send(
          new GetShardIteratorCommand({
            StreamArn: streamArn,
            ShardId: info.shardId,
            ShardIteratorType: 'AT_SEQUENCE_NUMBER',
            SequenceNumber: info.startSequenceNumber,
          }),
        )
      ).ShardIterator;
      let emptyPages = 0;
      while (iterator && emptyPages < MAX_EMPTY_PAGES) {
        const page = await this.streams.send(
          new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }),
        );
        const records = page.Records ?? [];
        for (const record of records) {
          const sequence = BigInt(record.dynamodb?.SequenceNumber ?? '0');
          if (sequence > end) return events;
          const event = eventOf(record);
          if (event) events.push(event);
          if (sequence === end) return events;
        }
        emptyPages = records.length === 0 ? emptyPages + 1 : 0;
        iterator = page.NextShardIterator;
      }
      throw new CliError(
        `dlq redrive: the stream ended before ${info.endSequenceNumber} on ${info.shardId}; the record stays (try --from-table)`,
      );
    } catch (error) {
      if (error instanceof CliError) throw error;
      const name = (error as { name?: string }).name ?? 'Error';
      if (/TrimmedDataAccess|ResourceNotFound|ExpiredIterator/.test(name)) {
        throw new CliError(
          `dlq redrive: the stream no longer holds ${info.shardId} ${info.startSequenceNumber}…${info.endSequenceNumber} (${name}); republish the outbox events of the orders not settled with: mini-ec dlq redrive --queue relay --from-table`,
          1,
          { cause: error },
        );
      }
      throw new CliError(
        `dlq redrive: reading the stream failed: ${name}: ${(error as Error).message}`,
        1,
        {
          cause: error,
        },
      );
    }
  }

  /** Every outbox event of every order that has not settled, from each service's table, in time order. */
  private async unsettledOrderEvents(): Promise<CloudEvent[]> {
    const unsettled = await this.unsettledOrderIds();
    const events: CloudEvent[] = [];
    for (const outbox of OUTBOXES) {
      if ('optional' in outbox && !this.target.outputs[outbox.output]) continue;
      const table = this.output(outbox.output);
      for (const orderId of unsettled)
        events.push(...(await this.outboxEventsOf(table, outbox.keyOf(orderId).pk)));
    }
    return events.sort((a, b) => a.time.localeCompare(b.time));
  }

  /** The ids of the orders not settled (lambdas/shared/settled.ts), from the orders table. */
  private unsettledOrderIds(): Promise<string[]> {
    const input = {
      TableName: this.output('OrdersTableName'),
      FilterExpression: 'kind = :order',
      ExpressionAttributeValues: { ':order': ItemKind.order },
    };
    return this.call('dlq redrive', async () => {
      const unsettled: string[] = [];
      for await (const page of paginateScan({ client: this.db }, input))
        for (const item of page.Items ?? [])
          if (!hasSettled(item)) unsettled.push(String(item.orderId));
      return unsettled;
    });
  }

  /** The outbox events beside one item of a table (its EVENT items, not the FACTs it keeps). */
  private outboxEventsOf(table: string, pk: string): Promise<CloudEvent[]> {
    const input = {
      TableName: table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :events)',
      FilterExpression: 'kind = :event',
      ExpressionAttributeValues: {
        ':pk': pk,
        ':events': ORDER_EVENT_SK_PREFIX,
        ':event': ItemKind.event,
      },
    };
    return this.call('dlq redrive', async () => {
      const events: CloudEvent[] = [];
      for await (const page of paginateQuery({ client: this.db }, input))
        for (const item of page.Items ?? []) {
          const event = asCloudEvent(item.event);
          if (event) events.push(event);
        }
      return events;
    });
  }

  override close(): void {
    super.close();
    this.streams.destroy();
    this.db.destroy();
  }
}

/** The CloudEvent of a stream record that the relay would send (an INSERT of an EVENT item). */
function eventOf(record: StreamRecord): CloudEvent | undefined {
  if (record.eventName !== 'INSERT' || !record.dynamodb?.NewImage) return undefined;
  const image = unmarshall(record.dynamodb.NewImage as Parameters<typeof unmarshall>[0]);
  return image.kind === ItemKind.event ? asCloudEvent(image.event) : undefined;
}

function batchInfo(message: Message): Record<string, unknown> | undefined {
  try {
    const body = JSON.parse(message.Body ?? '') as { DDBStreamBatchInfo?: Record<string, unknown> };
    return body.DDBStreamBatchInfo;
  } catch {
    return undefined;
  }
}

function describeFailure(message: Message): StreamFailureView {
  let body: Record<string, Record<string, unknown> | undefined> = {};
  try {
    body = JSON.parse(message.Body ?? '');
  } catch {
    // Not an on-failure record: shown with what is known.
  }
  const info = body.DDBStreamBatchInfo ?? {};
  const text = (v: unknown) => (typeof v === 'string' ? v : null);
  return {
    messageId: message.MessageId ?? '',
    shardId: text(info.shardId),
    startSequenceNumber: text(info.startSequenceNumber),
    endSequenceNumber: text(info.endSequenceNumber),
    batchSize: typeof info.batchSize === 'number' ? info.batchSize : null,
    firstRecordAt: text(info.approximateArrivalOfFirstRecord),
    condition: text(body.requestContext?.condition),
    functionError: text(body.responseContext?.functionError),
    receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 0),
  };
}
