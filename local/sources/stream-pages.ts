/**
 * GetRecords pages read as DynamoDB Streams sends them. The `dynamodb` part of each record is
 * already what Lambda hands a function (attribute values as JSON, binary ones in base64), so
 * the stream source takes the body as it came instead of letting the SDK build objects of every
 * record (Uint8Arrays for binaries, Dates) that it would then turn back into that JSON: the
 * SDK's deserialization was a tenth of the host's CPU in a profile, and a binary attribute
 * reached the function as `{"0":…}` instead of base64. Errors (an expired or trimmed iterator)
 * are left to the SDK, which maps them to its exception classes.
 */
import {
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  type GetRecordsCommandInput,
} from '@aws-sdk/client-dynamodb-streams';

/** A stream record as GetRecords sends it. */
export interface SentStreamRecord {
  eventID?: string;
  eventName?: string;
  dynamodb?: {
    /** Seconds since the epoch (with a fraction). */
    ApproximateCreationDateTime?: number;
    Keys?: Record<string, unknown>;
    NewImage?: Record<string, unknown>;
    OldImage?: Record<string, unknown>;
    SequenceNumber?: string;
    SizeBytes?: number;
    StreamViewType?: string;
  };
  userIdentity?: unknown;
}

/** One GetRecords page as sent. */
export interface SentPage {
  Records?: SentStreamRecord[];
  NextShardIterator?: string;
}

const EMPTY_BODY = new TextEncoder().encode('{}');

/**
 * Pages read but not yet taken, by the iterator they were read with. (The client's cached
 * handler shares one context between calls, so the page cannot travel on it.)
 */
const pages = new Map<string, SentPage>();

/** The clients that keep their pages (each read checks this, 16 times a second at rest). */
const keeping = new WeakSet<DynamoDBStreamsClient>();

/** Reads one page of a shard: its records as sent, and the next iterator. */
export async function getRecordsAsSent(
  client: DynamoDBStreamsClient,
  iterator: string,
  limit: number,
): Promise<SentPage> {
  readPagesAsSent(client);
  try {
    await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: limit }));
    const page = pages.get(iterator);
    if (!page) throw new Error('GetRecords answered, but its page was not read as sent');
    return page;
  } finally {
    pages.delete(iterator);
  }
}

/** Has the client keep each successful GetRecords body for getRecordsAsSent (once a client). */
function readPagesAsSent(client: DynamoDBStreamsClient): void {
  if (keeping.has(client)) return;
  keeping.add(client);
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      const response = result.response as { statusCode?: number; body?: unknown };
      if (context.commandName !== 'GetRecordsCommand' || response.statusCode !== 200) return result;
      const page = JSON.parse(await bodyText(response.body)) as SentPage;
      pages.set(String((args.input as GetRecordsCommandInput).ShardIterator), page);
      // The SDK's deserializer then reads an empty answer: the page is taken from `pages`.
      response.body = EMPTY_BODY;
      return result;
    },
    // Inside the deserializer: this sees the HTTP response before it is parsed.
    { step: 'deserialize', priority: 'low', name: 'readStreamPagesAsSent' },
  );
}

async function bodyText(body: unknown): Promise<string> {
  if (body instanceof Uint8Array) return Buffer.from(body).toString('utf8');
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Uint8Array | string>)
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}
