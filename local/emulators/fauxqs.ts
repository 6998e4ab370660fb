/**
 * The local cloud's SQS and SNS: fauxqs embedded in the host, on 127.0.0.1, with its stores
 * reached directly to create the template's queues, topics and subscriptions, hooks that feed
 * the meter (each SQS exchange; each publish and the deliveries its filter policies allow), and
 * the SqsQueue patches of ./fauxqs-patches.ts.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildApp } from 'fauxqs';
import { messageBytes } from '../../lambdas/shared/queue-messages.js';
import type { SnsExchange, SqsExchange } from '../meter/sqs-meter.js';
import { LOCAL_ACCOUNT, LOCAL_REGION } from '../template/intrinsics.js';
import { patchQueues, type TimedQueue } from './fauxqs-patches.js';

/** The part of fauxqs's (unexported) SQS store the local cloud uses. */
interface SqsStore {
  host?: string;
  createQueue(name: string, url: string, arn: string, attributes?: Record<string, string>): unknown;
  inspectQueue(name: string): FauxqsInspection | undefined;
}

/** The part of fauxqs's (unexported) SNS store the local cloud uses. */
interface SnsStore {
  createTopic(
    name: string,
    attributes: Record<string, string> | undefined,
    tags: Record<string, string> | undefined,
    region: string,
  ): { arn: string };
  subscribe(
    topicArn: string,
    protocol: string,
    endpoint: string,
    attributes?: Record<string, string>,
  ): { arn: string } | undefined;
  getTopic(arn: string): { name: string; subscriptionArns: string[] } | undefined;
  getSubscription(arn: string): SnsSubscription | undefined;
}

interface SnsSubscription {
  protocol: string;
  endpoint: string;
  confirmed: boolean;
  attributes: Record<string, string>;
}

type Attributes = Record<string, { DataType: string; StringValue?: string }>;

/** fauxqs's own filter policy evaluation (sns/filter.js), so the meter sees what it delivers. */
interface SnsFilter {
  matchesFilterPolicy(policy: Record<string, unknown>, attributes: Attributes): boolean;
  matchesFilterPolicyOnBody(policy: Record<string, unknown>, body: string): boolean;
}

/** The messages of a Publish or PublishBatch request, from its Query-protocol parameters. */
function publishedMessages(
  params: Record<string, string>,
): { body: string; attributes: Attributes }[] {
  const attributesAt = (prefix: string): Attributes => {
    const attributes: Attributes = {};
    const start = `${prefix}MessageAttributes.entry.`;
    for (const key of Object.keys(params)) {
      if (!key.startsWith(start) || !key.endsWith('.Name')) continue;
      const at = `${key.slice(0, -'Name'.length)}Value.`;
      attributes[String(params[key])] = {
        DataType: params[`${at}DataType`] ?? 'String',
        ...(params[`${at}StringValue`] !== undefined
          ? { StringValue: params[`${at}StringValue`] }
          : {}),
      };
    }
    return attributes;
  };
  if (params.Action === 'Publish')
    return params.Message === undefined
      ? []
      : [{ body: params.Message, attributes: attributesAt('') }];
  const messages = [];
  for (let i = 1; params[`PublishBatchRequestEntries.member.${i}.Id`] !== undefined; i++) {
    const prefix = `PublishBatchRequestEntries.member.${i}.`;
    const body = params[`${prefix}Message`];
    if (body !== undefined) messages.push({ body, attributes: attributesAt(prefix) });
  }
  return messages;
}

/** Bytes SNS counts for a message: the relay's own rule (lambdas/shared/queue-messages.ts). */
function snsBytes(message: { body: string; attributes: Attributes }): number {
  const values = Object.entries(message.attributes).map(([name, v]) => [name, v.StringValue ?? '']);
  return messageBytes({ body: message.body, attributes: Object.fromEntries(values) });
}

/** What fauxqs reports about a queue and its messages. */
type FauxqsInspection = NonNullable<ReturnType<import('fauxqs').FauxqsServer['inspectQueue']>>;

/** fauxqs listening on 127.0.0.1, with queue URLs on the endpoint's own host. */
export interface EmbeddedFauxqs {
  readonly endpoint: string;
  createQueue(name: string, attributes: Record<string, string>): { url: string; arn: string };
  /** Creates a standard topic; returns its ARN. */
  createTopic(name: string): string;
  /** Subscribes a queue (by ARN) to a topic with SNS subscription attributes. */
  subscribe(topicArn: string, queueArn: string, attributes: Record<string, string>): void;
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
export async function startEmbeddedFauxqs(
  port: number,
  onSqsExchange?: (exchange: SqsExchange) => void,
  onSnsExchange?: (exchange: SnsExchange) => void,
): Promise<EmbeddedFauxqs> {
  const dist = fauxqsDist();
  const { SqsStore, SqsQueue } = await importDist<{
    SqsStore: new () => SqsStore;
    SqsQueue: { prototype: TimedQueue & Record<string, unknown> };
  }>(dist, 'sqs/sqsStore.js');
  patchQueues(SqsQueue.prototype);
  const { SnsStore } = await importDist<{ SnsStore: new () => SnsStore }>(dist, 'sns/snsStore.js');
  const { S3Store } = await importDist<{ S3Store: new () => unknown }>(dist, 's3/s3Store.js');
  const sqsStore = new SqsStore();
  sqsStore.host = undefined; // queues created through the API get the request's host
  const snsStore = new SnsStore();
  type Stores = NonNullable<Parameters<typeof buildApp>[0]>['stores'];
  const stores = {
    sqsStore,
    snsStore,
    s3Store: new S3Store(),
  } as unknown as Stores;
  const app = buildApp({ logger: false, defaultRegion: LOCAL_REGION, stores });
  if (onSqsExchange) {
    // The SQS router's answer before it is serialized: the action, the parsed body, the result.
    app.addHook('preSerialization', async (request, reply, payload) => {
      const target = request.headers['x-amz-target'];
      if (typeof target === 'string' && target.startsWith('AmazonSQS.')) {
        onSqsExchange({
          action: target.slice('AmazonSQS.'.length),
          body: request.body,
          answer: payload,
          statusCode: reply.statusCode,
        });
      }
      return payload;
    });
  }
  if (onSnsExchange) {
    const filter = await importDist<SnsFilter>(dist, 'sns/filter.js');
    // Each subscription's filter policy, parsed once (not for every message it sees).
    const policies = new Map<string, Record<string, unknown>>();
    const parsedPolicy = (json: string) => {
      let policy = policies.get(json);
      if (!policy) {
        policy = JSON.parse(json) as Record<string, unknown>;
        policies.set(json, policy);
      }
      return policy;
    };
    /** The queues (by name) the topic's subscriptions deliver a message to, as fauxqs decides. */
    const deliveries = (topicArn: string, message: { body: string; attributes: Attributes }) =>
      (snsStore.getTopic(topicArn)?.subscriptionArns ?? []).flatMap((arn) => {
        const sub = snsStore.getSubscription(arn);
        if (!sub?.confirmed || sub.protocol !== 'sqs') return [];
        const policy = sub.attributes.FilterPolicy;
        if (policy) {
          const parsed = parsedPolicy(policy);
          const matches =
            sub.attributes.FilterPolicyScope === 'MessageBody'
              ? filter.matchesFilterPolicyOnBody(parsed, message.body)
              : filter.matchesFilterPolicy(parsed, message.attributes);
          if (!matches) return [];
        }
        return [sub.endpoint.slice(sub.endpoint.lastIndexOf(':') + 1)];
      });
    // SNS answers XML (no preSerialization): the request is read once it was answered.
    app.addHook('onResponse', async (request, reply) => {
      const params = request.body as Record<string, string> | undefined;
      const contentType = String(request.headers['content-type'] ?? '');
      if (!contentType.includes('x-www-form-urlencoded') || typeof params?.Action !== 'string')
        return;
      const topicArn = params.TopicArn;
      const messages = ['Publish', 'PublishBatch'].includes(params.Action)
        ? publishedMessages(params)
        : [];
      onSnsExchange({
        action: params.Action,
        ...(topicArn ? { topic: topicArn.slice(topicArn.lastIndexOf(':') + 1) } : {}),
        messages: messages.map((m) => ({
          bytes: snsBytes(m),
          deliveredTo: topicArn ? deliveries(topicArn, m) : [],
        })),
        statusCode: reply.statusCode,
      });
    });
  }
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
    createTopic: (name) => snsStore.createTopic(name, undefined, undefined, LOCAL_REGION).arn,
    subscribe(topicArn, queueArn, attributes) {
      if (!snsStore.subscribe(topicArn, 'sqs', queueArn, attributes))
        throw new Error(`fauxqs: no topic ${topicArn} to subscribe ${queueArn} to`);
    },
    inspectQueue: (name) => sqsStore.inspectQueue(name),
    stop: () => app.close(),
  };
}
