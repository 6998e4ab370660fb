import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { type LocalCloud, type LogLine, StartupError, startLocalCloud } from '../../local/cloud.js';
import { eventually, FIXTURE_ASSEMBLY } from '../support/local-cloud.js';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function start(stateDir: string, lines: LogLine[] = [], persist = true): Promise<LocalCloud> {
  return startLocalCloud({
    assemblyDir: FIXTURE_ASSEMBLY,
    port: 0,
    stateDir,
    persist,
    console: false,
    onLog: (line) => lines.push(line),
  });
}

describe('the local cloud lifecycle', () => {
  it('keeps table items, queued messages and stream positions across a --persist restart', async () => {
    const stateDir = mkdtempSync(path.join(tmpdir(), 'mini-ec-persist-'));
    const first: LogLine[] = [];
    const cloud = await start(stateDir, first);
    const dynamodb = new DynamoDBClient({
      endpoint: cloud.endpoints.dynamodb,
      region: 'us-east-1',
      credentials,
    });
    const sqs = new SQSClient({ endpoint: cloud.endpoints.sqs, region: 'us-east-1', credentials });
    await dynamodb.send(
      new PutItemCommand({
        TableName: 'ItemsTable',
        Item: { pk: { S: 'p' }, sk: { S: 'kept' }, kind: { S: 'EVENT' } },
      }),
    );
    await eventually(() => first.find((l) => l.functionId === 'StreamFunction'));
    await sqs.send(
      new SendMessageCommand({ QueueUrl: cloud.queues.StreamDlq, MessageBody: '{"kept":true}' }),
    );
    dynamodb.destroy();
    sqs.destroy();
    await cloud.stop();
    expect(
      JSON.parse(readFileSync(path.join(stateDir, 'sqs.json'), 'utf8')).StreamDlq,
    ).toHaveLength(1);

    const second: LogLine[] = [];
    const again = await start(stateDir, second);
    try {
      const client = new DynamoDBClient({
        endpoint: again.endpoints.dynamodb,
        region: 'us-east-1',
        credentials,
      });
      const item = await client.send(
        new GetItemCommand({ TableName: 'ItemsTable', Key: { pk: { S: 'p' }, sk: { S: 'kept' } } }),
      );
      client.destroy();
      expect(item.Item?.kind).toEqual({ S: 'EVENT' });
      expect(again.inspectQueue('StreamDlq')?.messages.ready.map((m) => m.body)).toEqual([
        '{"kept":true}',
      ]);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(second.filter((l) => l.functionId === 'StreamFunction')).toEqual([]);
    } finally {
      await again.stop();
    }
  });

  it('leaves no process and no cloud.json behind when stopped', async () => {
    const stateDir = mkdtempSync(path.join(tmpdir(), 'mini-ec-stop-'));
    const cloud = await start(stateDir, [], false);
    await cloud.invoke('EchoFunction', {});
    const pids = cloud.pids();
    expect(pids.length).toBeGreaterThanOrEqual(2);
    expect(existsSync(path.join(stateDir, 'cloud.json'))).toBe(true);

    await cloud.stop();

    expect(pids.filter(alive)).toEqual([]);
    expect(existsSync(path.join(stateDir, 'cloud.json'))).toBe(false);
  });

  it('says what to do when the HTTP port is in use', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const attempt = startLocalCloud({
        assemblyDir: FIXTURE_ASSEMBLY,
        port,
        stateDir: mkdtempSync(path.join(tmpdir(), 'mini-ec-port-')),
        console: false,
      });
      await expect(attempt).rejects.toThrow(StartupError);
      await expect(attempt).rejects.toThrow(
        `port ${port} is in use: stop the other process or run \`PORT=${port + 1} npm start\``,
      );
    } finally {
      blocker.close();
    }
  });
});
