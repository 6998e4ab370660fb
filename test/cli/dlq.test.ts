import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { type FauxqsServer, startFauxqs } from 'fauxqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertValidQueueMessage } from '../support/contracts.js';
import { runCli } from './run.js';

const event = (n: number) => ({
  specversion: '1.0',
  id: `e-${n}`,
  source: 'mini-ec/api',
  type: 'order.placed.v1',
  subject: `o-${n}`,
  time: '2025-11-22T10:00:00.000Z',
  datacontenttype: 'application/json',
  correlationid: `cid-${n}`,
  sagaid: `o-${n}`,
  data: { orderId: `o-${n}`, items: [{ sku: 'coffee', qty: 1 }], total: 500, currency: 'JPY' },
});

describe('mini-ec dlq, on the SQS emulator (fauxqs)', () => {
  let server: FauxqsServer;
  let sqs: SQSClient;
  let dir: string;
  let cloudFile: string;
  let queueUrl: string;

  beforeAll(async () => {
    server = await startFauxqs({ port: 0, logger: false, host: 'localhost' });
    const endpoint = `http://127.0.0.1:${server.port}`;
    sqs = new SQSClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const dlq = server.createQueue('cli-test-dlq', {});
    queueUrl = server.createQueue('cli-test-orders', {}).queueUrl;
    for (const n of [1, 2, 3]) {
      const e = event(n);
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: dlq.queueUrl,
          MessageBody: JSON.stringify(e),
          MessageAttributes: {
            eventType: { DataType: 'String', StringValue: e.type },
            eventId: { DataType: 'String', StringValue: e.id },
            correlationId: { DataType: 'String', StringValue: e.correlationid },
          },
        }),
      );
    }
    dir = mkdtempSync(join(tmpdir(), 'mini-ec-dlq-'));
    cloudFile = join(dir, 'cloud.json');
    writeFileSync(
      cloudFile,
      JSON.stringify({
        apiUrl: 'http://127.0.0.1:9',
        region: 'us-east-1',
        endpoints: { sqs: endpoint },
        outputs: {
          ApiUrl: 'http://127.0.0.1:9',
          OrdersTableName: 'o',
          InventoryTableName: 'i',
          PaymentsTableName: 'p',
          OrdersQueueUrl: queueUrl,
          OrdersDlqUrl: dlq.queueUrl,
        },
      }),
    );
  });

  afterAll(async () => {
    sqs?.destroy();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('lists what waits in the DLQ without taking it away', async () => {
    const first = await runCli(['dlq', 'list', '--json'], { cloudFile });
    const again = await runCli(['dlq', 'list'], { cloudFile });

    expect(first.stderr).toBe('');
    const listed = first.json<{ approximateCount: number; messages: { eventId: string }[] }>();
    expect(listed.approximateCount).toBe(3);
    expect(listed.messages.map((m) => m.eventId).sort()).toEqual(['e-1', 'e-2', 'e-3']);
    expect(listed.messages[0]).toMatchObject({ eventType: 'order.placed.v1' });
    expect(again.stdout).toMatch(
      /^3 message\(s\) in the orders DLQ\neventType\s+orderId\s+correlationId/,
    );
  });

  it('redrives at most --max messages, then the rest, to the orders queue with their attributes', async () => {
    const some = await runCli(['dlq', 'redrive', '--max', '2', '--json'], { cloudFile });
    const rest = await runCli(['dlq', 'redrive'], { cloudFile });
    const after = await runCli(['dlq', 'list', '--json'], { cloudFile });
    const received = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        MessageAttributeNames: ['All'],
      }),
    );

    expect(some.json()).toEqual({ moved: 2 });
    expect(rest.stdout).toBe('moved 1 message(s) from the orders DLQ to the orders queue\n');
    expect(after.json()).toEqual({ approximateCount: 0, messages: [] });
    const messages = received.Messages ?? [];
    expect(messages.map((m) => JSON.parse(m.Body ?? '{}').id).sort()).toEqual([
      'e-1',
      'e-2',
      'e-3',
    ]);
    for (const m of messages) {
      assertValidQueueMessage({ body: m.Body ?? '', messageAttributes: m.MessageAttributes ?? {} });
    }
  });
});
