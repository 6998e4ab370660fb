/**
 * The CLI's dead-letter adapters. The orders DLQ holds order.placed.v1 messages the worker
 * could not settle; it is peeked without disturbing it and redriven with SQS's message-move
 * task where the endpoint has one, otherwise by receive-and-send (body and attributes kept:
 * the worker deduplicates by event id, so a message sent twice by an interrupted redrive does
 * no harm). The relay DLQ holds the stream source's on-failure records, which only point into
 * the orders table's stream: they are replayed by reading that range of the stream while it
 * still holds it (24 h), or else by republishing the order.placed.v1 events of the orders still
 * PENDING from the orders table (the outbox keeps every event item).
 */
import {
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as StreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { type SizedMessage, toBatches, toQueueMessage } from '../lambdas/outbox-relay/domain.js';
import { batchGetAll } from '../lambdas/shared/dynamodb.js';
import { asCloudEvent, type CloudEvent } from '../lambdas/shared/events.js';
import { ItemKind, orderEventKey, orderKey } from '../lambdas/shared/keys.js';
import { clientConfig, documentClient } from './clients.js';
import { CliError, callAws } from './errors.js';
import type { Target } from './target.js';

/** A message of the orders DLQ, as `dlq list` shows it. */
export interface DeadLetterView {
  messageId: string;
  eventType: string | null;
  eventId: string | null;
  correlationId: string | null;
  orderId: string | null;
  receiveCount: number;
  sentAt: string | null;
  /** The order's status now, and the worker's last error on it (from the orders table). */
  orderStatus: string | null;
  failedAttempts: number | null;
  lastError: string | null;
}

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

/** Outcome of a redrive. */
export interface RedriveResult {
  moved: number;
  method: 'message-move-task' | 'receive-and-send' | 'stream-replay' | 'from-table';
  /** The message-move task's handle (AWS runs it in the background). */
  taskHandle?: string;
  /** For the relay: events sent back to the orders queue. */
  eventsSent?: number;
}

/** GetRecords may answer an empty page before later records of an open shard: read on a while. */
const MAX_EMPTY_PAGES = 20;

/** What both DLQ adapters share: an SQS client and one-line errors. */
abstract class QueueAdapter {
  protected readonly sqs: SQSClient;

  constructor(protected readonly target: Target) {
    this.sqs = new SQSClient(clientConfig(target, 'sqs'));
  }

  protected output(name: string): string {
    const value = this.target.outputs[name];
    if (!value) throw new CliError(`the target lacks the output ${name}`, 2);
    return value;
  }

  /** Visible + in-flight messages of a queue (as SQS counts them: approximately). */
  protected async count(what: string, queueUrl: string): Promise<number> {
    const attributes = await this.call(what, () =>
      this.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: queueUrl,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      ),
    );
    return (
      Number(attributes.Attributes?.ApproximateNumberOfMessages ?? 0) +
      Number(attributes.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
    );
  }

  /**
   * Up to `max` distinct messages, received with visibility 0 so they stay available; stops at
   * the first receive that brings nothing new (a big queue is sampled, never looped over). Each
   * receive adds one to a message's receive count, as on SQS: the first count seen is kept.
   */
  protected async peekMessages(what: string, queueUrl: string, max: number): Promise<Message[]> {
    const seen = new Map<string, Message>();
    let fresh = true;
    while (seen.size < max && fresh) {
      const received = await this.call(what, () =>
        this.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: Math.min(10, max - seen.size),
            VisibilityTimeout: 0,
            WaitTimeSeconds: 0,
            MessageAttributeNames: ['All'],
            MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
          }),
        ),
      );
      const before = seen.size;
      for (const m of received.Messages ?? []) {
        if (m.MessageId && !seen.has(m.MessageId)) seen.set(m.MessageId, m);
      }
      fresh = seen.size > before;
    }
    return [...seen.values()];
  }

  /** Receives up to 10 messages for processing (hidden for a minute while it runs). */
  protected async take(what: string, queueUrl: string, max: number): Promise<Message[]> {
    const received = await this.call(what, () =>
      this.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: Math.max(1, Math.min(10, max)),
          VisibilityTimeout: 60,
          WaitTimeSeconds: 0,
          MessageAttributeNames: ['All'],
        }),
      ),
    );
    return received.Messages ?? [];
  }

  protected async sendAll(what: string, queueUrl: string, messages: SizedMessage[]): Promise<void> {
    for (const batch of toBatches(messages)) {
      const sent = await this.call(what, () =>
        this.sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: batch.map((m, i) => ({
              Id: String(i),
              MessageBody: m.body,
              MessageAttributes: Object.fromEntries(
                Object.entries(m.attributes).map(([k, v]) => [
                  k,
                  { DataType: 'String', StringValue: v },
                ]),
              ),
            })),
          }),
        ),
      );
      const failed = sent.Failed ?? [];
      if (failed.length > 0) {
        throw new CliError(
          `${what}: ${failed.length} message(s) could not be sent (${failed[0]?.Code}: ${failed[0]?.Message ?? ''}); nothing was deleted from the DLQ`,
        );
      }
    }
  }

  /** Makes messages taken but not handled visible again at once (not after the 60 s). */
  protected async giveBack(queueUrl: string, messages: readonly Message[]): Promise<void> {
    if (messages.length === 0) return;
    await this.sqs
      .send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: queueUrl,
          Entries: messages.map((m, i) => ({
            Id: String(i),
            ReceiptHandle: m.ReceiptHandle,
            VisibilityTimeout: 0,
          })),
        }),
      )
      .catch(() => undefined); // they come back after 60 s anyway
  }

  protected delete(what: string, queueUrl: string, message: Message): Promise<unknown> {
    return this.call(what, () =>
      this.sqs.send(
        new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }),
      ),
    );
  }

  /** Releases the SDK's sockets. */
  close(): void {
    this.sqs.destroy();
  }

  protected call<T>(what: string, send: () => Promise<T>): Promise<T> {
    return callAws(what, send);
  }
}

/** Reads and redrives the orders DLQ of a target. */
export class DeadLetters extends QueueAdapter {
  private readonly dlqUrl: string;
  private readonly queueUrl: string;
  private readonly db: DynamoDBDocumentClient;

  constructor(target: Target) {
    super(target);
    const { OrdersDlqUrl, OrdersQueueUrl } = target.outputs;
    if (!OrdersDlqUrl || !OrdersQueueUrl) {
      throw new CliError('the target lacks the outputs OrdersQueueUrl and OrdersDlqUrl', 2);
    }
    this.dlqUrl = OrdersDlqUrl;
    this.queueUrl = OrdersQueueUrl;
    this.db = documentClient(target);
  }

  /** How many messages the DLQ holds (approximately), and up to `max` of them with their orders. */
  async peek(max = 10): Promise<{ approximateCount: number; messages: DeadLetterView[] }> {
    const approximateCount = await this.count('dlq list', this.dlqUrl);
    const messages = (await this.peekMessages('dlq list', this.dlqUrl, max)).map(describe);
    const orders = await this.orders(messages.flatMap((m) => (m.orderId ? [m.orderId] : [])));
    return {
      approximateCount,
      messages: messages.map((m) => {
        const order = m.orderId ? orders.get(m.orderId) : undefined;
        return {
          ...m,
          orderStatus: typeof order?.status === 'string' ? order.status : null,
          failedAttempts: typeof order?.failedAttempts === 'number' ? order.failedAttempts : null,
          lastError: typeof order?.lastError === 'string' ? order.lastError : null,
        };
      }),
    };
  }

  /**
   * Moves messages back to the orders queue: with SQS's message-move task when no `max` is
   * given and the endpoint has it (it runs in the background), else by receive-and-send.
   */
  async redrive(max?: number): Promise<RedriveResult> {
    if (max === undefined) {
      const task = await this.startMoveTask();
      if (task) return { moved: 0, method: 'message-move-task', taskHandle: task };
    }
    const limit = max ?? Number.MAX_SAFE_INTEGER;
    let moved = 0;
    while (moved < limit) {
      const messages = await this.take('dlq redrive', this.dlqUrl, limit - moved);
      if (messages.length === 0) break;
      try {
        await this.sendAll(
          'dlq redrive',
          this.queueUrl,
          messages.map((m) => ({
            body: m.Body ?? '',
            attributes: Object.fromEntries(
              Object.entries(m.MessageAttributes ?? {}).flatMap(([k, v]) =>
                v.StringValue === undefined ? [] : [[k, v.StringValue]],
              ),
            ),
          })),
        );
      } catch (error) {
        await this.giveBack(this.dlqUrl, messages);
        const reason = error instanceof Error ? error.message : String(error);
        throw new CliError(`${reason} (moved ${moved} before this)`, 1, { cause: error });
      }
      for (const m of messages) await this.delete('dlq redrive', this.dlqUrl, m);
      moved += messages.length;
    }
    return { moved, method: 'receive-and-send' };
  }

  private async startMoveTask(): Promise<string | undefined> {
    const arnOf = async (url: string) =>
      (
        await this.call('dlq redrive', () =>
          this.sqs.send(
            new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
          ),
        )
      ).Attributes?.QueueArn;
    const [source, destination] = [await arnOf(this.dlqUrl), await arnOf(this.queueUrl)];
    if (!source || !destination) return undefined;
    try {
      const started = await this.sqs.send(
        new StartMessageMoveTaskCommand({ SourceArn: source, DestinationArn: destination }),
      );
      return started.TaskHandle ?? 'started';
    } catch (error) {
      // Emulators (fauxqs) have no message-move task: fall back to receive-and-send.
      const name = (error as { name?: string }).name ?? '';
      if (/InvalidAction|UnsupportedOperation|UnknownOperation|NotImplemented/i.test(name))
        return undefined;
      const e = error as { message?: string };
      throw new CliError(`dlq redrive: StartMessageMoveTask: ${name}: ${e.message ?? ''}`, 1, {
        cause: error,
      });
    }
  }

  private async orders(orderIds: string[]): Promise<Map<string, Record<string, unknown>>> {
    const found = new Map<string, Record<string, unknown>>();
    const table = this.target.outputs.OrdersTableName;
    const unique = [...new Set(orderIds)];
    const items = await this.call('dlq list', () =>
      batchGetAll(
        this.db,
        table,
        unique.map((id) => orderKey(id)),
      ),
    );
    for (const item of items) found.set(String(item.orderId), item);
    return found;
  }

  override close(): void {
    super.close();
    this.db.destroy();
  }
}

/** Reads and replays the relay DLQ (the stream source's on-failure records) of a target. */
export class StreamFailures extends QueueAdapter {
  private readonly dlqUrl: string;
  private readonly queueUrl: string;
  private readonly streams: DynamoDBStreamsClient;
  private readonly db: DynamoDBDocumentClient;

  constructor(target: Target) {
    super(target);
    this.dlqUrl = this.output('RelayDlqUrl');
    this.queueUrl = this.output('OrdersQueueUrl');
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
   * Replays every on-failure record: the events of its stream range go to the orders queue as
   * the relay sends them, then the record is deleted. With `fromTable`, the order.placed.v1
   * events of all PENDING orders are republished instead, and every record deleted.
   */
  async replay(options: { fromTable?: boolean } = {}): Promise<RedriveResult> {
    let moved = 0;
    let eventsSent = 0;
    if (options.fromTable) {
      const events = await this.pendingOrderEvents();
      await this.sendAll('dlq redrive', this.queueUrl, events.map(toQueueMessage));
      eventsSent = events.length;
    }
    for (;;) {
      const messages = await this.take('dlq redrive', this.dlqUrl, 10);
      if (messages.length === 0) break;
      for (const [i, message] of messages.entries()) {
        try {
          if (!options.fromTable) {
            const events = await this.eventsOf(message);
            await this.sendAll('dlq redrive', this.queueUrl, events.map(toQueueMessage));
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
          `dlq redrive: the stream no longer holds ${info.shardId} ${info.startSequenceNumber}…${info.endSequenceNumber} (${name}); republish the events of the orders still PENDING with: mini-ec dlq redrive --queue relay --from-table`,
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

  /** The order.placed.v1 event items of every PENDING order, from the outbox. */
  private async pendingOrderEvents(): Promise<CloudEvent[]> {
    const table = this.output('OrdersTableName');
    const pending: string[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.call('dlq redrive', () =>
        this.db.send(
          new ScanCommand({
            TableName: table,
            FilterExpression: 'kind = :order AND #status = :pending',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':order': ItemKind.order, ':pending': 'PENDING' },
            ExclusiveStartKey: start,
          }),
        ),
      );
      for (const item of page.Items ?? []) pending.push(String(item.orderId));
      start = page.LastEvaluatedKey;
    } while (start);
    const events: CloudEvent[] = [];
    const items = await this.call('dlq redrive', () =>
      batchGetAll(
        this.db,
        table,
        pending.map((id) => orderEventKey(id, 'order.placed.v1')),
      ),
    );
    for (const item of items) {
      const event = asCloudEvent(item.event);
      if (event) events.push(event);
    }
    return events;
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

function describe(
  message: Message,
): Omit<DeadLetterView, 'orderStatus' | 'failedAttempts' | 'lastError'> {
  const attribute = (name: string) => message.MessageAttributes?.[name]?.StringValue ?? null;
  let orderId: string | null = null;
  try {
    const body = JSON.parse(message.Body ?? '') as { subject?: unknown };
    if (typeof body.subject === 'string') orderId = body.subject;
  } catch {
    // Not a CloudEvent: shown without its order.
  }
  const sent = Number(message.Attributes?.SentTimestamp);
  return {
    messageId: message.MessageId ?? '',
    eventType: attribute('eventType'),
    eventId: attribute('eventId'),
    correlationId: attribute('correlationId'),
    orderId,
    receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 0),
    sentAt: Number.isFinite(sent) && sent > 0 ? new Date(sent).toISOString() : null,
  };
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
