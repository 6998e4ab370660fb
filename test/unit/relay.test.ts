import { describe, expect, it } from 'vitest';
import { SendFailedError } from '../../lambdas/outbox-relay/errors.js';
import {
  BatchingSender,
  type MessagePublisher,
  type SendOutcome,
} from '../../lambdas/outbox-relay/publisher.js';
import { buildEvent } from '../../lambdas/shared/events.js';
import {
  MAX_BATCH_BYTES,
  type QueueMessage,
  toBatches,
  toQueueMessage,
} from '../../lambdas/shared/queue-messages.js';

const message = (body: string): QueueMessage => ({
  body,
  attributes: { type: 't', source: 's', id: body.slice(0, 8), correlationid: 'c' },
});

describe('toQueueMessage', () => {
  it('sends the CloudEvent as the body, with its type, source, id and correlation ID as attributes', () => {
    const event = buildEvent({
      type: 'order.confirmed.v1',
      source: 'mini-ec/worker',
      orderId: 'o1',
      correlationId: 'cid-9',
      sagaId: 'o1',
      data: { orderId: 'o1', total: 1, currency: 'JPY', items: [{ sku: 'a', qty: 1 }], noShip: [] },
    });

    const m = toQueueMessage(event);

    expect(JSON.parse(m.body)).toEqual(event);
    expect(m.attributes).toEqual({
      type: 'order.confirmed.v1',
      source: 'mini-ec/worker',
      id: event.id,
      correlationid: 'cid-9',
    });
  });
});

describe('toBatches', () => {
  it('puts at most 10 messages in a batch', () => {
    const batches = toBatches(Array.from({ length: 23 }, (_, i) => message(`m${i}`)));
    expect(batches.map((b) => b.length)).toEqual([10, 10, 3]);
  });

  it('keeps each batch under 1 MiB, and gives a message too large on its own a batch of its own', () => {
    const big = message('x'.repeat(MAX_BATCH_BYTES / 2));
    const huge = message('y'.repeat(MAX_BATCH_BYTES + 1));
    const batches = toBatches([big, big, message('a'), huge, message('b')]);
    expect(batches.map((b) => b.length)).toEqual([1, 2, 1, 1]);
  });
});

class FakePublisher implements MessagePublisher {
  readonly calls: QueueMessage[][] = [];
  constructor(private readonly fail: (m: QueueMessage) => boolean) {}
  async sendBatch(messages: readonly QueueMessage[]): Promise<SendOutcome[]> {
    this.calls.push([...messages]);
    return messages.map((m, i) =>
      this.fail(m)
        ? { ok: false, error: new SendFailedError('entry failed', 'InternalError', false) }
        : { ok: true, messageId: `id-${i}` },
    );
  }
}

describe('BatchingSender', () => {
  it('sends messages sent in the same tick together, in batches of 10', async () => {
    const publisher = new FakePublisher(() => false);
    const sender = new BatchingSender(publisher);

    await Promise.all(Array.from({ length: 12 }, (_, i) => sender.send(message(`m${i}`))));

    expect(publisher.calls.map((c) => c.length)).toEqual([10, 2]);
  });

  it('rejects exactly the messages whose entries failed, and resolves the others', async () => {
    const sender = new BatchingSender(new FakePublisher((m) => m.body === 'bad'));

    const results = await Promise.allSettled(
      ['ok1', 'bad', 'ok2'].map((b) => sender.send(message(b))),
    );

    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(SendFailedError);
  });
});
