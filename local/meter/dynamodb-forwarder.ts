import {
  Agent,
  request as httpRequest,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { crc32 } from 'node:zlib';
import { functionOfRequest } from '../emulators/credentials.js';
import { close, createServer, listen } from '../http/server.js';
import type { Service } from '../service.js';
import { type CapacityUnits, OUTSIDE_CALLER, type UsageMeter } from './usage.js';

/** `"TableName":"Orders"` as the SDK's JSON protocol writes it. */
const TABLE_NAME = /"TableName":"([^"]+)"/g;

/** Operations that answer ConsumedCapacity when asked. */
const CAPACITY_OPERATIONS = new Set([
  'GetItem',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'Query',
  'Scan',
  'BatchGetItem',
  'BatchWriteItem',
  'TransactGetItems',
  'TransactWriteItems',
]);
const READS = new Set(['GetItem', 'Query', 'Scan', 'BatchGetItem', 'TransactGetItems']);
const TRANSACTIONS = new Set(['TransactGetItems', 'TransactWriteItems']);

type Json = Record<string, unknown>;

function parseJson(body: Buffer): Json | undefined {
  if (body.length === 0) return undefined;
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Json)
      : undefined;
  } catch {
    return undefined;
  }
}

/** An attribute value's size as DynamoDB counts it (names and values, UTF-8). */
function valueSize(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  const [type, inner] = Object.entries(value)[0] ?? [];
  switch (type) {
    case 'S':
      return Buffer.byteLength(String(inner));
    case 'N':
      return Math.ceil(String(inner).replace(/^-|\.|e.*$/gi, '').length / 2) + 1;
    case 'B':
      return Math.floor((String(inner).length * 3) / 4);
    case 'BOOL':
    case 'NULL':
      return 1;
    case 'SS':
    case 'NS':
    case 'BS':
      return (inner as unknown[]).reduce<number>(
        (n, v) => n + valueSize({ [type.slice(0, 1)]: v }),
        0,
      );
    case 'L':
      return 3 + (inner as unknown[]).reduce<number>((n, v) => n + 1 + valueSize(v), 0);
    case 'M':
      return 3 + itemSize(inner) + Object.keys(inner as object).length;
    default:
      return 0;
  }
}

/** An item's size as DynamoDB counts it for request units. */
function itemSize(item: unknown): number {
  if (typeof item !== 'object' || item === null) return 0;
  return Object.entries(item).reduce(
    (n, [name, value]) => n + Buffer.byteLength(name) + valueSize(value),
    0,
  );
}

/**
 * The write units of a TransactWriteItems, from the request: DynamoDB charges 2 per KB of each
 * item it names. A Put's item is in the request; an Update's, Delete's or ConditionCheck's is
 * not, and counts as one KB (the items of this saga are smaller). DynamoDB Local answers a
 * constant 2 for any transaction, so its ConsumedCapacity is not used here.
 */
function transactionUnits(request: Json | undefined, add: (table: unknown, n: number) => void) {
  const items = Array.isArray(request?.TransactItems) ? request.TransactItems : [];
  for (const entry of items as Record<string, { TableName?: unknown; Item?: unknown }>[]) {
    const action = Object.values(entry)[0];
    const kb = action?.Item ? Math.max(1, Math.ceil(itemSize(action.Item) / 1024)) : 1;
    add(action?.TableName, 2 * kb);
  }
}

/**
 * The request units a request consumed, by table, as DynamoDB on demand bills them: the
 * ConsumedCapacity DynamoDB Local answers, but for transactions (see transactionUnits). A
 * write refused by its condition still consumes a write unit on DynamoDB (at least one:
 * counted as one); a cancelled transaction what it would have written.
 */
function unitsOf(
  operation: string,
  status: number,
  answer: Json | undefined,
  request: Json | undefined,
): Map<string, CapacityUnits> {
  const units = new Map<string, CapacityUnits>();
  const read = READS.has(operation);
  const add = (table: unknown, n: number) => {
    if (typeof table !== 'string' || !(n > 0)) return;
    const now = units.get(table) ?? { readUnits: 0, writeUnits: 0 };
    units.set(table, {
      readUnits: now.readUnits + (read ? n : 0),
      writeUnits: now.writeUnits + (read ? 0 : n),
    });
  };
  const type = String(answer?.__type ?? '');
  if (operation === 'TransactWriteItems') {
    if (status < 400 || type.endsWith('TransactionCanceledException'))
      transactionUnits(request, add);
    return units;
  }
  if (status < 400) {
    const consumed = answer?.ConsumedCapacity;
    const factor = TRANSACTIONS.has(operation) ? 2 : 1;
    for (const c of Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) {
      const entry = c as { TableName?: unknown; CapacityUnits?: unknown };
      add(entry.TableName, Number(entry.CapacityUnits) * factor);
    }
    return units;
  }
  if (type.endsWith('ConditionalCheckFailedException')) add(request?.TableName, 1);
  return units;
}

/**
 * A metering hop in front of DynamoDB Local: every request is sent through to it and counted
 * by its `X-Amz-Target` operation, the tables its body names, the function that signed it
 * and the request units it consumed. It costs the host some CPU per request (each body is
 * read whole and parsed), so the local cloud starts it only when asked (`meter: true`,
 * `npm start -- --meter`).
 */
export class DynamoDbForwarder implements Service {
  readonly name = 'DynamoDB meter';
  private readonly server = createServer((req, res) => this.forward(req, res));
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64 });
  private upstream?: URL;
  endpoint = '';

  constructor(
    private readonly meter: UsageMeter,
    private readonly upstreamEndpoint: () => string,
  ) {}

  async start(): Promise<void> {
    this.upstream = new URL(this.upstreamEndpoint());
    this.server.keepAliveTimeout = 60_000;
    const port = await listen(this.server, 0, '127.0.0.1', this.name);
    this.endpoint = `http://127.0.0.1:${port}`;
    this.meter.meterDynamoDb();
  }

  private forward(req: IncomingMessage, res: ServerResponse): void {
    const target = req.headers['x-amz-target'];
    const operation =
      typeof target === 'string' ? target.slice(target.indexOf('.') + 1) : 'unknown';
    const caller = functionOfRequest(req.headers.authorization) ?? OUTSIDE_CALLER;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => this.send(req, res, operation, caller, Buffer.concat(chunks)));
  }

  /**
   * Sends the request on, asking DynamoDB Local for the request units it consumed when the
   * caller did not (ReturnConsumedCapacity TOTAL), counts them, and answers what the caller
   * would have got: the added ConsumedCapacity is taken out again (with the CRC32 the SDK
   * checks recomputed).
   */
  private send(
    req: IncomingMessage,
    res: ServerResponse,
    operation: string,
    caller: string,
    body: Buffer,
  ): void {
    const tables = new Set<string>();
    for (const m of body.toString('latin1').matchAll(TABLE_NAME)) tables.add(m[1] as string);
    // Only requests that consume capacity are read: the stream's GetRecords and the rest pass.
    const billed = CAPACITY_OPERATIONS.has(operation);
    const request = billed ? parseJson(body) : undefined;
    const inject = request !== undefined && request.ReturnConsumedCapacity === undefined;
    const sent = inject
      ? Buffer.from(JSON.stringify({ ...request, ReturnConsumedCapacity: 'TOTAL' }))
      : body;
    const upstream = this.upstream as URL;
    const out = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, 'content-length': String(sent.length) },
        agent: this.agent,
      },
      (answer) => {
        const status = answer.statusCode ?? 500;
        this.meter.dynamoDbRequest(operation, tables, status >= 400);
        if (!billed) {
          res.writeHead(status, answer.headers);
          answer.pipe(res);
          return;
        }
        const parts: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => parts.push(chunk));
        answer.on('end', () => {
          let reply = Buffer.concat(parts);
          const parsed = parseJson(reply);
          const units = unitsOf(operation, status, parsed, request);
          for (const [table, consumed] of units)
            this.meter.dynamoDbCapacity(caller, table, consumed);
          const headers = { ...answer.headers };
          if (inject && parsed && 'ConsumedCapacity' in parsed) {
            delete parsed.ConsumedCapacity;
            reply = Buffer.from(JSON.stringify(parsed));
            headers['content-length'] = String(reply.length);
            headers['x-amz-crc32'] = String(crc32(reply));
          }
          res.writeHead(status, headers);
          res.end(reply);
        });
      },
    );
    out.on('error', (error) => {
      this.meter.dynamoDbRequest(operation, tables, true);
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`DynamoDB Local did not answer: ${error.message}`);
    });
    out.end(sent);
  }

  async stop(): Promise<void> {
    await close(this.server);
    this.agent.destroy();
  }
}
