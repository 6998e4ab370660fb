import {
  ChangeMessageVisibilityCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type EmbeddedFauxqs, startEmbeddedFauxqs } from '../../local/emulators/fauxqs.js';

let fauxqs: EmbeddedFauxqs;
let sqs: SQSClient;

beforeAll(async () => {
  fauxqs = await startEmbeddedFauxqs(0);
  sqs = new SQSClient({
    endpoint: fauxqs.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
});
afterAll(async () => {
  sqs.destroy();
  await fauxqs.stop();
});

/** A long poll of up to 10 s; resolves with what it got and how long it waited. */
async function longPoll(url: string): Promise<{ bodies: string[]; waitedMs: number }> {
  const started = Date.now();
  const { Messages } = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 10, MaxNumberOfMessages: 10 }),
  );
  return { bodies: (Messages ?? []).map((m) => m.Body ?? ''), waitedMs: Date.now() - started };
}

describe('the embedded fauxqs, waking waiting receives at deadlines instead of every 20 ms', () => {
  it('hands a waiting receive a message whose visibility timeout expires while it waits', async () => {
    const { url } = fauxqs.createQueue('wake-visibility', { VisibilityTimeout: '1' });
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'again' }));
    const firstAsked = Date.now();
    const first = await longPoll(url);
    expect(first.bodies).toEqual(['again']);

    const second = await longPoll(url);

    expect(second.bodies).toEqual(['again']);
    // Visible again 1 s after the first receive took it, which was after firstAsked.
    expect(Date.now() - firstAsked).toBeGreaterThanOrEqual(950);
    expect(second.waitedMs).toBeLessThan(3_000);
  });

  it('hands a waiting receive a delayed message sent after the receive began, once its delay ends', async () => {
    const { url } = fauxqs.createQueue('wake-delay', {});
    const waiting = longPoll(url);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'late', DelaySeconds: 1 }));

    const { bodies, waitedMs } = await waiting;

    expect(bodies).toEqual(['late']);
    expect(waitedMs).toBeGreaterThanOrEqual(1_000);
    expect(waitedMs).toBeLessThan(3_500);
  });

  it('re-arms for a visibility timeout shortened while a receive waits', async () => {
    const { url } = fauxqs.createQueue('wake-change', { VisibilityTimeout: '30' });
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'changed' }));
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }));
    const handle = Messages?.[0]?.ReceiptHandle;
    expect(handle).toBeDefined();
    const waiting = longPoll(url);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: url,
        ReceiptHandle: handle,
        VisibilityTimeout: 1,
      }),
    );

    const { bodies, waitedMs } = await waiting;

    expect(bodies).toEqual(['changed']);
    expect(waitedMs).toBeLessThan(3_500);
  });

  it('wakes a waiting receive at once when a message is sent', async () => {
    const { url } = fauxqs.createQueue('wake-send', {});
    const waiting = longPoll(url);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'now' }));

    const { bodies, waitedMs } = await waiting;

    expect(bodies).toEqual(['now']);
    expect(waitedMs).toBeLessThan(1_500);
  });

  it('wakes one waiting receive per message: the others keep waiting instead of answering empty', async () => {
    const { url } = fauxqs.createQueue('wake-one', {});
    const answered: number[] = [];
    const waiting = [0, 1, 2].map((i) =>
      longPoll(url).then((result) => {
        answered.push(i);
        return result;
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'first' }));
    await vi.waitFor(() => expect(answered.length).toBeGreaterThan(0), { timeout: 5_000 });
    await new Promise((resolve) => setTimeout(resolve, 300));

    expect(answered).toHaveLength(1);

    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'second' }));
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'third' }));
    const results = await Promise.all(waiting);

    expect(results.map((r) => r.bodies.length)).toEqual([1, 1, 1]);
    expect(results.flatMap((r) => r.bodies).sort()).toEqual(['first', 'second', 'third']);
    expect(Math.max(...results.map((r) => r.waitedMs))).toBeLessThan(3_000);
  });

  it('keeps a receive waiting on a FIFO queue while another receive finds nothing', async () => {
    const { url } = fauxqs.createQueue('wake-fifo.fifo', {
      FifoQueue: 'true',
      ContentBasedDeduplication: 'true',
    });
    const waiting = longPoll(url);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }));
    expect(Messages).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 400));
    await sqs.send(
      new SendMessageCommand({ QueueUrl: url, MessageBody: 'in order', MessageGroupId: 'g' }),
    );

    const { bodies, waitedMs } = await waiting;

    expect(bodies).toEqual(['in order']);
    expect(waitedMs).toBeGreaterThanOrEqual(500);
  });
});
