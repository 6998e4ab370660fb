/**
 * The consumers' DLQs: the events a function could not handle from its queue (the worker's
 * orders queue, shipping's, and the payment and inventory facts queues of a failed shipment's
 * compensation). One is peeked without disturbing it and redriven to its queue with SQS's
 * message-move task where the endpoint has one, otherwise by receive-and-send (body and
 * attributes kept: every consumer is idempotent per event, so a message sent twice by an
 * interrupted redrive does no harm).
 */
import {
  GetQueueAttributesCommand,
  type Message,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { batchGetAll } from '../../lambdas/shared/dynamodb.js';
import { orderKey } from '../../lambdas/shared/keys.js';
import { documentClient } from '../clients.js';
import { CliError } from '../errors.js';
import type { Target } from '../target.js';
import { QueueAdapter, type RedriveResult } from './adapter.js';

/**
 * Each DLQ of a function's queue, by the name `--queue` takes: the stack outputs of the DLQ
 * and of the queue it is redriven to, and whether its consumer (the worker) records its failed
 * attempts and last error on the order item.
 */
export const DEAD_LETTER_QUEUES = {
  orders: { dlq: 'OrdersDlqUrl', queue: 'OrdersQueueUrl', attemptsOnOrder: true },
  shipping: { dlq: 'ShippingDlqUrl', queue: 'ShippingQueueUrl', attemptsOnOrder: false },
  payment: { dlq: 'PaymentFactsDlqUrl', queue: 'PaymentFactsQueueUrl', attemptsOnOrder: false },
  inventory: {
    dlq: 'InventoryFactsDlqUrl',
    queue: 'InventoryFactsQueueUrl',
    attemptsOnOrder: false,
  },
} as const;
export type DeadLetterQueue = keyof typeof DEAD_LETTER_QUEUES;

/** The outputs a DLQ needs that the target lacks (none: it can be read and redriven). */
export function missingOutputs(target: Target, queue: DeadLetterQueue): string[] {
  const { dlq, queue: source } = DEAD_LETTER_QUEUES[queue];
  return [source, dlq].filter((name) => !target.outputs[name]);
}

/** A message of a DLQ, as `dlq list` shows it. */
export interface DeadLetterView {
  messageId: string;
  eventType: string | null;
  eventId: string | null;
  correlationId: string | null;
  orderId: string | null;
  receiveCount: number;
  sentAt: string | null;
  /**
   * The order's status now (from the orders table), and for the orders DLQ the worker's
   * failed attempts and last error on it (null for the other queues).
   */
  orderStatus: string | null;
  failedAttempts: number | null;
  lastError: string | null;
}

/** Reads and redrives one DLQ of a target (the orders DLQ unless named). */
export class DeadLetters extends QueueAdapter {
  private readonly dlqUrl: string;
  private readonly queueUrl: string;
  private readonly db: DynamoDBDocumentClient;

  constructor(
    target: Target,
    readonly queue: DeadLetterQueue = 'orders',
  ) {
    super(target);
    const missing = missingOutputs(target, queue);
    if (missing.length > 0) {
      throw new CliError(`the target lacks the outputs ${missing.join(' and ')}`, 2);
    }
    const { dlq, queue: source } = DEAD_LETTER_QUEUES[queue];
    this.dlqUrl = this.output(dlq);
    this.queueUrl = this.output(source);
    this.db = documentClient(target);
  }

  /** How many messages the DLQ holds (approximately), and up to `max` of them with their orders. */
  async peek(max = 10): Promise<{ approximateCount: number; messages: DeadLetterView[] }> {
    const approximateCount = await this.count('dlq list', this.dlqUrl);
    const messages = (await this.peekMessages('dlq list', this.dlqUrl, max)).map(describe);
    const orders = await this.orders(messages.flatMap((m) => (m.orderId ? [m.orderId] : [])));
    const { attemptsOnOrder } = DEAD_LETTER_QUEUES[this.queue];
    return {
      approximateCount,
      messages: messages.map((m) => {
        const order = m.orderId ? orders.get(m.orderId) : undefined;
        const attempts = attemptsOnOrder ? order : undefined;
        return {
          ...m,
          orderStatus: typeof order?.status === 'string' ? order.status : null,
          failedAttempts:
            typeof attempts?.failedAttempts === 'number' ? attempts.failedAttempts : null,
          lastError: typeof attempts?.lastError === 'string' ? attempts.lastError : null,
        };
      }),
    };
  }

  /**
   * Moves messages back to the DLQ's queue: with SQS's message-move task when no `max` is
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
    eventType: attribute('type'),
    eventId: attribute('id'),
    correlationId: attribute('correlationid'),
    orderId,
    receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 0),
    sentAt: Number.isFinite(sent) && sent > 0 ? new Date(sent).toISOString() : null,
  };
}
