import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildApp } from 'fauxqs';
import { LOCAL_ACCOUNT, LOCAL_REGION } from '../template/intrinsics.js';

/** The part of fauxqs's (unexported) SQS store the local cloud uses. */
interface SqsStore {
  host?: string;
  createQueue(name: string, url: string, arn: string, attributes?: Record<string, string>): unknown;
  inspectQueue(name: string): FauxqsInspection | undefined;
}

/** What fauxqs reports about a queue and its messages. */
export type FauxqsInspection = NonNullable<
  ReturnType<import('fauxqs').FauxqsServer['inspectQueue']>
>;

/** fauxqs listening on 127.0.0.1, with queue URLs on the endpoint's own host. */
export interface EmbeddedFauxqs {
  readonly endpoint: string;
  createQueue(name: string, attributes: Record<string, string>): { url: string; arn: string };
  inspectQueue(name: string): FauxqsInspection | undefined;
  stop(): Promise<void>;
}

function fauxqsDist(): string {
  const require = createRequire(import.meta.url);
  for (const dir of require.resolve.paths('fauxqs') ?? []) {
    const dist = path.join(dir, 'fauxqs', 'dist');
    if (existsSync(path.join(dist, 'sqs', 'sqsStore.js'))) return dist;
  }
  throw new Error('fauxqs is not installed (npm ci)');
}

async function importDist<T>(dist: string, file: string): Promise<T> {
  return (await import(pathToFileURL(path.join(dist, file)).href)) as T;
}

/**
 * Starts fauxqs with its own stores, so that queue URLs are `http://127.0.0.1:PORT/…`.
 * `startFauxqs` hard-codes `sqs.us-east-1.localhost` URLs; the SDK sends a request to a
 * QueueUrl's host when it differs from the endpoint (AWS_ENDPOINT_URL_SQS), and
 * `*.localhost` does not resolve everywhere. Binding 127.0.0.1 also keeps it off the LAN.
 */
export async function startEmbeddedFauxqs(port: number): Promise<EmbeddedFauxqs> {
  const dist = fauxqsDist();
  const { SqsStore } = await importDist<{ SqsStore: new () => SqsStore }>(dist, 'sqs/sqsStore.js');
  const { SnsStore } = await importDist<{ SnsStore: new () => unknown }>(dist, 'sns/snsStore.js');
  const { S3Store } = await importDist<{ S3Store: new () => unknown }>(dist, 's3/s3Store.js');
  const sqsStore = new SqsStore();
  sqsStore.host = undefined; // queues created through the API get the request's host
  type Stores = NonNullable<Parameters<typeof buildApp>[0]>['stores'];
  const stores = {
    sqsStore,
    snsStore: new SnsStore(),
    s3Store: new S3Store(),
  } as unknown as Stores;
  const app = buildApp({ logger: false, defaultRegion: LOCAL_REGION, stores });
  await app.listen({ port, host: '127.0.0.1' });
  const address = app.server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  const endpoint = `http://127.0.0.1:${actualPort}`;
  return {
    endpoint,
    createQueue(name, attributes) {
      const url = `${endpoint}/${LOCAL_ACCOUNT}/${name}`;
      const arn = `arn:aws:sqs:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${name}`;
      sqsStore.createQueue(name, url, arn, attributes);
      return { url, arn };
    },
    inspectQueue: (name) => sqsStore.inspectQueue(name),
    stop: () => app.close(),
  };
}
