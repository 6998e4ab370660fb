/**
 * The stack's event source mappings in the local cloud: an SQS source for each one on a local
 * queue, a stream source for each one on a table's stream, polling as Lambda's do (./sources/).
 * Stream positions are saved on stop when the cloud persists its state.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { withoutSdkLogger } from '../lambdas/shared/sdk-clients.js';
import { LOCAL_REGION_CONFIG, localCredentials } from './emulators/credentials.js';
import type { DynamoDbService } from './emulators/dynamodb.js';
import type { SqsService } from './emulators/sqs.js';
import type { FunctionsService } from './functions-service.js';
import type { Service } from './service.js';
import { SqsEventSource } from './sources/sqs-source.js';
import { DynamoStreamSource, type StreamCheckpoints } from './sources/stream-source.js';
import type { QueueDef, StackTemplate } from './template/stack.js';

export interface EventSourcesOptions {
  readonly template: StackTemplate;
  readonly queues: readonly QueueDef[];
  readonly functions: FunctionsService;
  readonly sqs: SqsService;
  readonly dynamodb: DynamoDbService;
  /** Where the stream pollers reach DynamoDB (through the meter when it is on). */
  readonly dynamodbEndpoint: () => string;
  /** Where stream positions are kept across restarts (`--persist`). */
  readonly checkpointsFile?: string;
  readonly log: (message: string) => void;
}

export class EventSourcesService implements Service {
  readonly name = 'event sources';
  private readonly sources: Array<SqsEventSource | DynamoStreamSource> = [];
  private readonly checkpoints: StreamCheckpoints;
  private streams?: DynamoDBStreamsClient;

  constructor(private readonly options: EventSourcesOptions) {
    const file = options.checkpointsFile;
    this.checkpoints = file && existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  }

  async start(): Promise<void> {
    const { template, functions, sqs, dynamodb, log } = this.options;
    const invoker = functions.invoker;
    const queueByArn = new Map(this.options.queues.map((q) => [q.arn, q]));
    const streamArns = new Set(dynamodb.streamArns.values());
    const sqsClient = sqs.client;
    if (!sqsClient) throw new Error('the SQS emulator is not started');
    this.streams = withoutSdkLogger(
      new DynamoDBStreamsClient({
        endpoint: this.options.dynamodbEndpoint(),
        ...LOCAL_REGION_CONFIG,
        credentials: localCredentials(),
        // Each command's middleware stack resolved once: GetRecords runs 4 times a second.
        cacheMiddleware: true,
      }),
    );
    for (const esm of template.eventSources()) {
      if (esm.properties.Enabled === false) continue;
      const fn = functions.find(esm.functionName);
      const queue = queueByArn.get(esm.eventSourceArn);
      const queueUrl = queue && sqs.urls.get(queue.logicalId);
      if (!fn) {
        log(`event source ${esm.logicalId}: no function ${esm.functionName}; skipped`);
      } else if (queue && queueUrl) {
        this.sources.push(
          new SqsEventSource(esm, { invoker, sqs: sqsClient, queueUrl, queueArn: queue.arn, log }),
        );
      } else if (streamArns.has(esm.eventSourceArn)) {
        this.sources.push(
          new DynamoStreamSource(esm, {
            invoker,
            streams: this.streams,
            sqs: sqsClient,
            queueUrlOf: (arn) => {
              const q = queueByArn.get(arn);
              return q ? sqs.urls.get(q.logicalId) : undefined;
            },
            functionArn: fn.arn,
            checkpoints: this.checkpoints,
            log,
          }),
        );
      } else {
        log(
          `event source ${esm.logicalId}: ${esm.eventSourceArn} is not a local queue or stream; skipped`,
        );
      }
    }
    for (const source of this.sources) await source.start();
  }

  async stop(): Promise<void> {
    await Promise.all(this.sources.map((s) => s.stop()));
    this.streams?.destroy();
    const file = this.options.checkpointsFile;
    if (file) writeFileSync(file, `${JSON.stringify(this.checkpoints, null, 2)}\n`);
  }
}
