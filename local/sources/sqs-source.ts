import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Invoker } from '../invoke/invoke.js';
import { sleep } from '../ports.js';
import { LOCAL_REGION } from '../template/intrinsics.js';
import type { EventSourceDef } from '../template/stack.js';
import { readBatchResponse } from './batch-response.js';
import { type Pattern, parseFilterCriteria, passesFilters } from './filter.js';

/** A message as Lambda hands it to a function in an SQS event. */
export interface SqsLambdaRecord {
  messageId: string;
  receiptHandle: string;
  body: string;
  attributes: Record<string, string>;
  messageAttributes: Record<
    string,
    {
      stringValue?: string;
      binaryValue?: string;
      stringListValues: string[];
      binaryListValues: string[];
      dataType: string;
    }
  >;
  md5OfBody: string;
  md5OfMessageAttributes?: string;
  eventSource: 'aws:sqs';
  eventSourceARN: string;
  awsRegion: string;
}

/** Builds the Lambda record of a received SQS message. */
function toSqsRecord(message: Message, queueArn: string): SqsLambdaRecord {
  const messageAttributes: SqsLambdaRecord['messageAttributes'] = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    messageAttributes[name] = {
      ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
      ...(value.BinaryValue !== undefined
        ? { binaryValue: Buffer.from(value.BinaryValue).toString('base64') }
        : {}),
      stringListValues: value.StringListValues ?? [],
      binaryListValues: (value.BinaryListValues ?? []).map((b) =>
        Buffer.from(b).toString('base64'),
      ),
      dataType: value.DataType ?? 'String',
    };
  }
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: { ...(message.Attributes as Record<string, string> | undefined) },
    messageAttributes,
    md5OfBody: message.MD5OfBody ?? '',
    ...(message.MD5OfMessageAttributes
      ? { md5OfMessageAttributes: message.MD5OfMessageAttributes }
      : {}),
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: LOCAL_REGION,
  };
}

/** The view of an SQS record that filter patterns are matched against (a JSON body parsed). */
function sqsFilterView(record: SqsLambdaRecord): Record<string, unknown> {
  let body: unknown = record.body;
  try {
    body = JSON.parse(record.body);
  } catch {
    // a plain-text body is matched as a string
  }
  return { ...record, body };
}

/** What the SQS event source needs around it. */
export interface SqsSourceDeps {
  readonly invoker: Invoker;
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly log: (message: string) => void;
}

/**
 * An SQS event source mapping with Lambda's semantics: up to MaximumConcurrency pollers
 * long-poll the queue for up to BatchSize messages (within MaximumBatchingWindowInSeconds),
 * delete messages that don't pass the filters, invoke the function, and delete what it
 * processed: all of the batch on success, all but its `batchItemFailures` with
 * ReportBatchItemFailures, none on an error (the visibility timeout brings them back, and
 * the queue's redrive policy moves them to the DLQ after maxReceiveCount receives).
 */
export class SqsEventSource {
  private readonly abort = new AbortController();
  private loops: Promise<void>[] = [];
  private readonly batchSize: number;
  private readonly windowMs: number;
  private readonly concurrency: number;
  private readonly reportFailures: boolean;
  private readonly filters: Pattern[];

  constructor(
    readonly def: EventSourceDef,
    private readonly deps: SqsSourceDeps,
  ) {
    const p = def.properties;
    this.batchSize = Number(p.BatchSize ?? 10);
    this.windowMs = Number(p.MaximumBatchingWindowInSeconds ?? 0) * 1000;
    const scaling = p.ScalingConfig as { MaximumConcurrency?: number } | undefined;
    this.concurrency = Math.max(1, Number(scaling?.MaximumConcurrency ?? 2));
    this.reportFailures = ((p.FunctionResponseTypes as string[] | undefined) ?? []).includes(
      'ReportBatchItemFailures',
    );
    this.filters = parseFilterCriteria(p.FilterCriteria);
  }

  /** Starts the pollers. */
  start(): void {
    this.loops = Array.from({ length: this.concurrency }, () => this.poll());
  }

  private async poll(): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      try {
        const messages = await this.receiveBatch(signal);
        if (messages.length > 0 && !signal.aborted) await this.process(messages);
      } catch (error) {
        if (signal.aborted) return;
        this.deps.log(`sqs source ${this.def.logicalId}: ${(error as Error).message}`);
        await sleep(1000, signal);
      }
    }
  }

  private async receiveBatch(signal: AbortSignal): Promise<Message[]> {
    const messages: Message[] = [];
    const started = Date.now();
    while (!signal.aborted && messages.length < this.batchSize) {
      const waiting = messages.length === 0;
      const { Messages } = await this.deps.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: this.deps.queueUrl,
          MaxNumberOfMessages: Math.min(10, this.batchSize - messages.length),
          // Long polls as Lambda's pollers do: woken at once when a message arrives.
          WaitTimeSeconds: waiting ? 20 : 0,
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }),
        { abortSignal: signal },
      );
      messages.push(...(Messages ?? []));
      if (messages.length === 0) continue;
      if (Date.now() - started >= this.windowMs) break;
      if (!Messages?.length) await sleep(50, signal);
    }
    return messages;
  }

  private async process(messages: Message[]): Promise<void> {
    const records = messages.map((m) => toSqsRecord(m, this.deps.queueArn));
    const matching = records.filter((r) => passesFilters(this.filters, sqsFilterView(r)));
    const dropped = records.filter((r) => !matching.includes(r));
    await this.delete(dropped);
    if (matching.length === 0) return;
    const result = await this.deps.invoker.invoke(this.def.functionName, { Records: matching });
    if (result.functionError) return;
    const outcome = readBatchResponse(
      result.payload,
      this.reportFailures,
      new Set(matching.map((r) => r.messageId)),
    );
    if (outcome.kind === 'failure') {
      this.deps.log(`sqs source ${this.def.logicalId}: whole batch failed: ${outcome.reason}`);
      return;
    }
    const done =
      outcome.kind === 'partial'
        ? matching.filter((r) => !outcome.failedIds.has(r.messageId))
        : matching;
    await this.delete(done);
  }

  private async delete(records: SqsLambdaRecord[]): Promise<void> {
    for (let i = 0; i < records.length; i += 10) {
      const chunk = records.slice(i, i + 10);
      await this.deps.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.deps.queueUrl,
          Entries: chunk.map((r, n) => ({ Id: String(n), ReceiptHandle: r.receiptHandle })),
        }),
      );
    }
  }

  /** Stops polling; waits up to `graceMs` for running batches. */
  async stop(graceMs = 1000): Promise<void> {
    this.abort.abort();
    await Promise.race([Promise.all(this.loops), sleep(graceMs)]);
  }
}
