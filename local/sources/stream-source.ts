/**
 * The DynamoDB stream event source, as Lambda's: polls each shard 4 times a second, batches
 * and filters records, retries with bisection, reports batch item failures, sends what keeps
 * failing to the on-failure destination, and keeps its position (checkpoints). Over 300 lines:
 * Lambda's stream semantics are that many rules.
 */
import { randomUUID } from 'node:crypto';
import {
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetShardIteratorCommand,
  type Shard,
  type ShardIteratorType,
  TrimmedDataAccessException,
} from '@aws-sdk/client-dynamodb-streams';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Invoker } from '../invoke/invoke.js';
import { sleep } from '../ports.js';
import { LOCAL_REGION } from '../template/intrinsics.js';
import type { EventSourceDef } from '../template/stack.js';
import { readBatchResponse } from './batch-response.js';
import { type Pattern, parseFilterCriteria, passesFilters } from './filter.js';
import { getRecordsAsSent, type SentStreamRecord } from './stream-pages.js';

/** How often the shards are listed again while none closes. */
const DISCOVERY_INTERVAL_MS = 60_000;

/** A record as Lambda hands it to a function in a DynamoDB stream event. */
export interface StreamLambdaRecord {
  eventID: string;
  eventName: string;
  eventVersion: '1.1';
  eventSource: 'aws:dynamodb';
  awsRegion: string;
  dynamodb: Record<string, unknown> & {
    SequenceNumber: string;
    ApproximateCreationDateTime?: number;
  };
  eventSourceARN: string;
  userIdentity?: unknown;
}

/** Builds the Lambda record of a stream record as GetRecords sent it. */
function toStreamRecord(record: SentStreamRecord, streamArn: string): StreamLambdaRecord {
  const d = record.dynamodb ?? {};
  const created = d.ApproximateCreationDateTime;
  const dynamodb: StreamLambdaRecord['dynamodb'] = {
    ...(created ? { ApproximateCreationDateTime: Math.floor(created) } : {}),
    ...(d.Keys ? { Keys: d.Keys } : {}),
    ...(d.NewImage ? { NewImage: d.NewImage } : {}),
    ...(d.OldImage ? { OldImage: d.OldImage } : {}),
    SequenceNumber: d.SequenceNumber ?? '',
    ...(d.SizeBytes !== undefined ? { SizeBytes: d.SizeBytes } : {}),
    ...(d.StreamViewType ? { StreamViewType: d.StreamViewType } : {}),
  };
  return {
    eventID: record.eventID ?? randomUUID().replace(/-/g, ''),
    eventName: record.eventName ?? 'INSERT',
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: LOCAL_REGION,
    dynamodb,
    eventSourceARN: streamArn,
    ...(record.userIdentity ? { userIdentity: record.userIdentity } : {}),
  };
}

/** Where each stream's position is kept: shard id → last processed sequence number. */
export type StreamCheckpoints = Record<string, Record<string, string>>;

/** What the stream event source needs around it. */
export interface StreamSourceDeps {
  readonly invoker: Invoker;
  readonly streams: DynamoDBStreamsClient;
  readonly sqs: SQSClient;
  /** The queue URL of an SQS ARN (for the on-failure destination). */
  readonly queueUrlOf: (arn: string) => string | undefined;
  readonly functionArn: string;
  /** Positions to resume from, updated as batches are done (`--persist`). */
  readonly checkpoints: StreamCheckpoints;
  readonly log: (message: string) => void;
  /** Pause between empty reads of a shard (Lambda polls 4 times a second). */
  readonly pollIntervalMs?: number;
}

interface ShardState {
  readonly shardId: string;
  readonly parentShardId?: string;
  iterator?: string;
  closed: boolean;
  buffer: StreamLambdaRecord[];
  bufferSince: number;
}

/**
 * A DynamoDB stream event source mapping with Lambda's semantics: reads every shard in
 * order (a child after its parent), drops records the filters don't pass, invokes with up
 * to BatchSize records (within MaximumBatchingWindowInSeconds), and on an error retries —
 * bisecting the batch if BisectBatchOnFunctionError, from the first reported item with
 * ReportBatchItemFailures — until MaximumRetryAttempts or MaximumRecordAgeInSeconds, then
 * sends the batch's description to the OnFailure destination and moves on.
 */
export class DynamoStreamSource {
  private readonly abort = new AbortController();
  private loop?: Promise<void>;
  private readonly shards = new Map<string, ShardState>();
  private readonly batchSize: number;
  private readonly windowMs: number;
  private readonly bisect: boolean;
  private readonly maxRetries: number;
  private readonly maxAgeSeconds: number;
  private readonly reportFailures: boolean;
  private readonly startingPosition: ShardIteratorType;
  private readonly onFailureArn?: string;
  private readonly filters: Pattern[];
  /** Set when a shard's iterator ended since the last DescribeStream. */
  private shardClosed = false;

  constructor(
    readonly def: EventSourceDef,
    private readonly deps: StreamSourceDeps,
  ) {
    const p = def.properties;
    this.batchSize = Number(p.BatchSize ?? 100);
    this.windowMs = Number(p.MaximumBatchingWindowInSeconds ?? 0) * 1000;
    this.bisect = p.BisectBatchOnFunctionError === true;
    this.maxRetries = Number(p.MaximumRetryAttempts ?? -1);
    this.maxAgeSeconds = Number(p.MaximumRecordAgeInSeconds ?? -1);
    this.reportFailures = ((p.FunctionResponseTypes as string[] | undefined) ?? []).includes(
      'ReportBatchItemFailures',
    );
    this.startingPosition = p.StartingPosition === 'LATEST' ? 'LATEST' : 'TRIM_HORIZON';
    const destination = (
      p.DestinationConfig as { OnFailure?: { Destination?: string } } | undefined
    )?.OnFailure?.Destination;
    if (destination) this.onFailureArn = destination;
    this.filters = parseFilterCriteria(p.FilterCriteria);
  }

  private get streamArn(): string {
    return this.def.eventSourceArn;
  }

  private get checkpoints(): Record<string, string> {
    this.deps.checkpoints[this.streamArn] ??= {};
    return this.deps.checkpoints[this.streamArn]!;
  }

  /** Starts reading the stream; resolves once the shards' starting positions are taken. */
  async start(): Promise<void> {
    await this.discoverShards();
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    let lastDiscovery = Date.now();
    const interval = this.deps.pollIntervalMs ?? 250;
    while (!signal.aborted) {
      const pollStarted = Date.now();
      try {
        // A child shard appears when its parent closes: look for shards then (and while
        // every shard is closed), else once a minute, not a DescribeStream every 5 s.
        if (
          this.shardClosed ||
          Date.now() - lastDiscovery > DISCOVERY_INTERVAL_MS ||
          [...this.shards.values()].every((s) => s.closed)
        ) {
          this.shardClosed = false;
          await this.discoverShards();
          lastDiscovery = Date.now();
        }
        for (const shard of this.readyShards()) {
          if (signal.aborted) return;
          await this.readShard(shard);
        }
      } catch (error) {
        if (signal.aborted) return;
        this.deps.log(`stream source ${this.def.logicalId}: ${(error as Error).message}`);
        await sleep(1000, signal);
      }
      // Lambda's base rate, busy or not: a shard is read 4 times a second, and what came in
      // meanwhile is one batch (reading again at once after each batch read the stream in
      // slivers: 0.6 GetRecords and as many relay invocations per order under load). Every
      // stream source reads on the same ticks of the clock (the next multiple of the
      // interval), so DynamoDB Local and this process wake once a tick for all the streams,
      // not once per stream: a quiet process pays for waking up (npm run bench:poll).
      await sleep(untilNextTick(pollStarted, Date.now(), interval), signal);
    }
  }

  /** Open shards whose parent is done (or unknown: trimmed or never seen). */
  private readyShards(): ShardState[] {
    return [...this.shards.values()].filter((s) => {
      if (s.closed && s.buffer.length === 0) return false;
      const parent = s.parentShardId ? this.shards.get(s.parentShardId) : undefined;
      return !parent || (parent.closed && parent.buffer.length === 0);
    });
  }

  private async discoverShards(): Promise<void> {
    const found: Shard[] = [];
    let start: string | undefined;
    do {
      const { StreamDescription } = await this.deps.streams.send(
        new DescribeStreamCommand({ StreamArn: this.streamArn, ExclusiveStartShardId: start }),
      );
      found.push(...(StreamDescription?.Shards ?? []));
      start = StreamDescription?.LastEvaluatedShardId;
    } while (start);
    for (const shard of found) {
      if (!shard.ShardId || this.shards.has(shard.ShardId)) continue;
      const state: ShardState = {
        shardId: shard.ShardId,
        ...(shard.ParentShardId ? { parentShardId: shard.ParentShardId } : {}),
        closed: false,
        buffer: [],
        bufferSince: 0,
      };
      // A shard found after the source started is read from its start, whatever the position.
      const known = this.shards.size > 0;
      state.iterator = await this.iteratorFor(
        state,
        known ? 'TRIM_HORIZON' : this.startingPosition,
      );
      this.shards.set(shard.ShardId, state);
    }
  }

  private async iteratorFor(
    shard: ShardState,
    position: ShardIteratorType,
  ): Promise<string | undefined> {
    // After the last record read (buffered ones too, so none is read twice), else the position.
    const after = shard.buffer.at(-1)?.dynamodb.SequenceNumber ?? this.checkpoints[shard.shardId];
    const { ShardIterator } = await this.deps.streams.send(
      new GetShardIteratorCommand({
        StreamArn: this.streamArn,
        ShardId: shard.shardId,
        ...(after
          ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: after }
          : { ShardIteratorType: position }),
      }),
    );
    return ShardIterator;
  }

  /** Reads a shard once and processes what is due. */
  private async readShard(shard: ShardState): Promise<void> {
    if (shard.iterator && !shard.closed) {
      if (!(await this.readRecords(shard))) {
        // An expired iterator, or one DynamoDB Local calls trimmed: its sequence numbers are
        // global across tables, so an iterator taken on an empty shard points at a number
        // another table's record took, and reading it fails once records come (the first
        // records of every table that was empty at the start). Lambda's poller takes a new
        // iterator; so does this one, after what it has already read, and reads at once.
        shard.iterator = await this.iteratorFor(shard, 'TRIM_HORIZON');
        if (shard.iterator && !(await this.readRecords(shard))) return;
      }
    } else if (!shard.iterator) {
      shard.closed = true;
      this.shardClosed = true;
    }
    const windowOver = Date.now() - shard.bufferSince >= this.windowMs;
    while (
      shard.buffer.length > 0 &&
      (shard.buffer.length >= this.batchSize || windowOver || shard.closed) &&
      !this.abort.signal.aborted
    ) {
      const taken = shard.buffer.splice(0, this.batchSize);
      const batch = taken.filter((r) => passesFilters(this.filters, r));
      if (batch.length > 0) await this.deliver(shard.shardId, batch, 0);
      const last = taken[taken.length - 1];
      if (last) this.checkpoints[shard.shardId] = last.dynamodb.SequenceNumber;
    }
  }

  /** One GetRecords of a shard into its buffer; false when its iterator expired or was trimmed. */
  private async readRecords(shard: ShardState): Promise<boolean> {
    try {
      const response = await getRecordsAsSent(this.deps.streams, String(shard.iterator), 1000);
      shard.iterator = response.NextShardIterator;
      if (!shard.iterator) {
        shard.closed = true;
        this.shardClosed = true;
      }
      const records = (response.Records ?? []).map((r) => toStreamRecord(r, this.streamArn));
      if (records.length > 0 && shard.buffer.length === 0) shard.bufferSince = Date.now();
      shard.buffer.push(...records);
      return true;
    } catch (error) {
      if (error instanceof ExpiredIteratorException || error instanceof TrimmedDataAccessException)
        return false;
      throw error;
    }
  }

  /** Delivers a batch until it succeeds or is given up to the on-failure destination. */
  private async deliver(
    shardId: string,
    records: StreamLambdaRecord[],
    attemptsSoFar: number,
  ): Promise<void> {
    let pending = records;
    let attempts = attemptsSoFar;
    while (pending.length > 0 && !this.abort.signal.aborted) {
      const result = await this.deps.invoker.invoke(this.def.functionName, { Records: pending });
      const outcome = result.functionError
        ? ({ kind: 'failure', reason: result.error?.errorMessage ?? 'function error' } as const)
        : readBatchResponse(
            result.payload,
            this.reportFailures,
            new Set(pending.map((r) => r.dynamodb.SequenceNumber)),
          );
      if (outcome.kind === 'success') return;
      attempts += 1;
      if (outcome.kind === 'partial') {
        const first = pending.findIndex((r) => outcome.failedIds.has(r.dynamodb.SequenceNumber));
        pending = pending.slice(Math.max(0, first));
      } else if (this.bisect && pending.length > 1) {
        const half = Math.ceil(pending.length / 2);
        await this.deliver(shardId, pending.slice(0, half), attempts);
        await this.deliver(shardId, pending.slice(half), attempts);
        return;
      }
      const condition = this.exhausted(pending, attempts);
      if (condition) {
        await this.sendToOnFailure(shardId, pending, attempts, condition, result.requestId);
        return;
      }
      await sleep(Math.min(2_000, 100 * 2 ** Math.min(attempts, 5)), this.abort.signal);
    }
  }

  private exhausted(records: StreamLambdaRecord[], attempts: number): string | undefined {
    if (this.maxRetries >= 0 && attempts > this.maxRetries) return 'RetryAttemptsExhausted';
    const first = records[0]?.dynamodb.ApproximateCreationDateTime;
    if (
      this.maxAgeSeconds >= 0 &&
      first !== undefined &&
      Date.now() / 1000 - first > this.maxAgeSeconds
    ) {
      return 'RecordAgeExceeded';
    }
    return undefined;
  }

  private async sendToOnFailure(
    shardId: string,
    records: StreamLambdaRecord[],
    attempts: number,
    condition: string,
    requestId: string,
  ): Promise<void> {
    const first = records[0]!;
    const last = records[records.length - 1]!;
    const iso = (seconds?: number) =>
      seconds ? new Date(seconds * 1000).toISOString() : undefined;
    const message = {
      requestContext: {
        requestId,
        functionArn: this.deps.functionArn,
        condition,
        approximateInvokeCount: attempts,
      },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      version: '1.0',
      timestamp: new Date().toISOString(),
      DDBStreamBatchInfo: {
        shardId,
        startSequenceNumber: first.dynamodb.SequenceNumber,
        endSequenceNumber: last.dynamodb.SequenceNumber,
        approximateArrivalOfFirstRecord: iso(first.dynamodb.ApproximateCreationDateTime),
        approximateArrivalOfLastRecord: iso(last.dynamodb.ApproximateCreationDateTime),
        batchSize: records.length,
        streamArn: this.streamArn,
      },
    };
    const url = this.onFailureArn ? this.deps.queueUrlOf(this.onFailureArn) : undefined;
    if (!url) {
      this.deps.log(
        `stream source ${this.def.logicalId}: dropped ${records.length} records (${condition})${this.onFailureArn ? `: ${this.onFailureArn} is not a local queue` : ''}`,
      );
      return;
    }
    await this.deps.sqs.send(
      new SendMessageCommand({ QueueUrl: url, MessageBody: JSON.stringify(message) }),
    );
    this.deps.log(
      `stream source ${this.def.logicalId}: ${records.length} records sent to on-failure (${condition})`,
    );
  }

  /** Stops reading; waits up to `graceMs` for the running batch. */
  async stop(graceMs = 1000): Promise<void> {
    this.abort.abort();
    if (this.loop) await Promise.race([this.loop, sleep(graceMs)]);
  }
}

/**
 * Milliseconds from `now` to the next read of a poll that started at `started`: the next
 * multiple of `interval` on the clock, at least half an interval after the start (a timer that
 * fired a little early must not read twice around one tick); at once when the poll took longer
 * than an interval.
 */
export function untilNextTick(started: number, now: number, interval: number): number {
  if (now - started >= interval) return 0;
  let next = now - (now % interval) + interval;
  if (next - started < interval / 2) next += interval;
  return next - now;
}
