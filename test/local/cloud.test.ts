import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalCloud, type LogLine, startLocalCloud } from '../../local/cloud.js';
import { eventually, FIXTURE_ASSEMBLY } from '../support/local-cloud.js';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

describe('the local cloud on the fixture stack', () => {
  let cloud: LocalCloud;
  let stateDir: string;
  const lines: LogLine[] = [];
  let dynamodb: DynamoDBClient;
  let sqs: SQSClient;

  beforeAll(async () => {
    stateDir = mkdtempSync(path.join(tmpdir(), 'mini-ec-local-'));
    cloud = await startLocalCloud({
      assemblyDir: FIXTURE_ASSEMBLY,
      port: 0,
      stateDir,
      console: false,
      onLog: (line) => lines.push(line),
    });
    dynamodb = new DynamoDBClient({
      endpoint: cloud.endpoints.dynamodb,
      region: 'us-east-1',
      credentials,
    });
    sqs = new SQSClient({ endpoint: cloud.endpoints.sqs, region: 'us-east-1', credentials });
  });

  afterAll(async () => {
    dynamodb?.destroy();
    sqs?.destroy();
    await cloud?.stop();
  });

  it('writes cloud.json with endpoints, names and resolved outputs', () => {
    const info = JSON.parse(readFileSync(path.join(stateDir, 'cloud.json'), 'utf8'));
    expect(info).toMatchObject({
      apiUrl: cloud.apiUrl,
      region: 'us-east-1',
      endpoints: cloud.endpoints,
      tables: { ItemsTable: 'ItemsTable', KeysTable: 'ItemsTable'.replace('Items', 'Keys') },
      outputs: {
        ApiUrl: `${cloud.apiUrl}/`,
        ItemsTableName: 'ItemsTable',
        WorkQueueUrl: cloud.queues.WorkQueue,
      },
    });
    expect(info.functions.map((f: { name: string }) => f.name)).toContain('EchoFunction');
  });

  it('serves HTTP API routes as payload 2.0 events and maps the response', async () => {
    const response = await fetch(`${cloud.apiUrl}/orders?x=1&x=2`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'X-Correlation-Id': 'cid-http-1',
        cookie: 'k=v',
      },
      body: JSON.stringify({ items: [] }),
    });
    const event = await response.json();
    expect(response.status).toBe(201);
    expect(response.headers.get('x-route')).toBe('POST /orders');
    expect(response.headers.get('set-cookie')).toBe('a=1');
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'POST /orders',
      rawPath: '/orders',
      rawQueryString: 'x=1&x=2',
      cookies: ['k=v'],
      queryStringParameters: { x: '1,2' },
      headers: { 'x-correlation-id': 'cid-http-1', 'content-type': 'application/json' },
      requestContext: {
        http: { method: 'POST', path: '/orders' },
        stage: '$default',
        accountId: '000000000000',
      },
      body: '{"items":[]}',
      isBase64Encoded: false,
    });
    const got = await fetch(`${cloud.apiUrl}/orders/o-42`);
    expect(((await got.json()) as { pathParameters: unknown }).pathParameters).toEqual({
      id: 'o-42',
    });
  });

  it('answers like API Gateway without a route, for a plain result and for a function error', async () => {
    const missing = await fetch(`${cloud.apiUrl}/nothing`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ message: 'Not Found' });
    const plain = await fetch(`${cloud.apiUrl}/orders/plain`);
    expect(plain.status).toBe(200);
    expect(await plain.json()).toEqual({ plain: true });
    const boom = await fetch(`${cloud.apiUrl}/orders/boom`);
    expect(boom.status).toBe(500);
    expect(await boom.json()).toEqual({ message: 'Internal Server Error' });
  });

  it('logs function lines to .local/logs and to the line hook, parsed', async () => {
    await fetch(`${cloud.apiUrl}/orders/o-log`, { headers: { 'x-correlation-id': 'cid-log-1' } });
    const line = await eventually(() => lines.find((l) => l.json?.correlation_id === 'cid-log-1'));
    expect(line).toMatchObject({ functionId: 'ApiFunction', displayName: 'api' });
    await eventually(() => {
      const file = path.join(stateDir, 'logs', 'ApiFunction.log');
      return existsSync(file) && readFileSync(file, 'utf8').includes('cid-log-1')
        ? true
        : undefined;
    });
  });

  it('gives functions the template environment, resolved to local names and endpoints', async () => {
    const result = await cloud.invoke('EchoFunction', { hello: 1 });
    const payload = JSON.parse(result.payload);
    expect(payload.env).toEqual({
      TABLE: 'ItemsTable',
      QUEUE_URL: cloud.queues.WorkQueue,
      JOINED: 'arn:aws:x:ItemsTable',
      GREETING: 'hello',
      AWS_REGION: 'us-east-1',
      AWS_LAMBDA_FUNCTION_NAME: 'EchoFunction',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
      AWS_ENDPOINT_URL_DYNAMODB: cloud.endpoints.dynamodb,
    });
    expect(payload.context).toMatchObject({
      awsRequestId: result.requestId,
      functionName: 'EchoFunction',
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:EchoFunction',
      memoryLimitInMB: '256',
    });
  });

  it('redelivers the failed items of a partial batch failure, then moves them to the DLQ after maxReceiveCount', async () => {
    const send = (body: unknown) =>
      sqs.send(
        new SendMessageCommand({
          QueueUrl: cloud.queues.WorkQueue,
          MessageBody: JSON.stringify(body),
        }),
      );
    await send({ type: 'work', id: 'ok-1' });
    await send({ type: 'work', id: 'bad-1', fail: true });
    await send({ type: 'other', id: 'filtered-1' });

    const received = (id: string) =>
      lines
        .filter((l) => l.functionId === 'ConsumerFunction' && l.json?.id === id)
        .map((l) => l.json);
    const dlq = await eventually(() => {
      const messages = cloud.inspectQueue('WorkDlq')?.messages.ready ?? [];
      return messages.length > 0 ? messages : undefined;
    }, 15_000);

    expect(dlq.map((m) => JSON.parse(m.body).id)).toEqual(['bad-1']);
    expect(received('ok-1').map((r) => r?.receiveCount)).toEqual(['1']);
    expect(received('bad-1').map((r) => r?.receiveCount)).toEqual(['1', '2']);
    expect(received('filtered-1')).toEqual([]);
    const record = received('ok-1')[0]?.record as Record<string, unknown>;
    expect(record).toMatchObject({
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:WorkQueue',
      awsRegion: 'us-east-1',
      attributes: { ApproximateReceiveCount: '1' },
    });
    expect(record.md5OfBody).toMatch(/^[0-9a-f]{32}$/);
    const work = cloud.inspectQueue('WorkQueue')?.messages;
    expect([...(work?.ready ?? []), ...(work?.inflight ?? [])]).toEqual([]);
  });

  it('delivers stream inserts that pass the filter, in order, as Lambda stream records', async () => {
    const put = (sk: string, kind: string, extra: Record<string, { S: string }> = {}) =>
      dynamodb.send(
        new PutItemCommand({
          TableName: 'ItemsTable',
          Item: { pk: { S: 'p' }, sk: { S: sk }, kind: { S: kind }, ...extra },
        }),
      );
    for (let i = 0; i < 12; i++)
      await put(`e${String(i).padStart(2, '0')}`, i % 3 === 2 ? 'ORDER' : 'EVENT');

    const expected = Array.from({ length: 12 }, (_, i) => `e${String(i).padStart(2, '0')}`).filter(
      (_, i) => i % 3 !== 2,
    );
    const delivered = await eventually(() => {
      const keys = lines
        .filter((l) => l.functionId === 'StreamFunction' && l.json?.message === 'batch')
        .flatMap((l) => l.json?.keys as string[]);
      return keys.length >= expected.length ? keys : undefined;
    });
    expect(delivered).toEqual(expected);
    const record = lines.find((l) => l.functionId === 'StreamFunction')?.json?.record as Record<
      string,
      unknown
    >;
    expect(record).toMatchObject({
      eventName: 'INSERT',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'us-east-1',
      eventSourceARN: cloud.outputs.StreamArn,
      dynamodb: {
        Keys: { pk: { S: 'p' }, sk: { S: 'e00' } },
        NewImage: { kind: { S: 'EVENT' } },
        StreamViewType: 'NEW_IMAGE',
      },
    });
  });

  it('bisects a failing stream batch and sends what keeps failing to the on-failure destination', async () => {
    await dynamodb.send(
      new PutItemCommand({
        TableName: 'ItemsTable',
        Item: { pk: { S: 'p' }, sk: { S: 'z-poison' }, kind: { S: 'EVENT' }, poison: { S: 'yes' } },
      }),
    );
    const failure = await eventually(
      () => cloud.inspectQueue('StreamDlq')?.messages.ready[0],
      15_000,
    );
    expect(JSON.parse(failure.body)).toMatchObject({
      requestContext: {
        condition: 'RetryAttemptsExhausted',
        functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:StreamFunction',
      },
      responseContext: { functionError: 'Unhandled' },
      DDBStreamBatchInfo: { batchSize: 1, streamArn: cloud.outputs.StreamArn },
    });
  });
});
