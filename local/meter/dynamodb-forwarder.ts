import {
  Agent,
  request as httpRequest,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { close, createServer, listen } from '../http/server.js';
import type { Service } from '../service.js';
import type { UsageMeter } from './usage.js';

/** `"TableName":"Orders"` as the SDK's JSON protocol writes it. */
const TABLE_NAME = /"TableName":"([^"]+)"/g;

/**
 * A metering hop in front of DynamoDB Local: every request is streamed through to it
 * unchanged and counted by its `X-Amz-Target` operation and the tables its body names
 * (a scan of the bytes, no JSON parse). It costs the host a little CPU per request, so
 * the local cloud starts it only when asked (`meter: true`, `npm start -- --meter`).
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
    const tables = new Set<string>();
    req.on('data', (chunk: Buffer) => {
      for (const m of chunk.toString('latin1').matchAll(TABLE_NAME)) tables.add(m[1] as string);
    });
    const upstream = this.upstream as URL;
    const out = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
        agent: this.agent,
      },
      (answer) => {
        this.meter.dynamoDbRequest(operation, tables, (answer.statusCode ?? 500) >= 400);
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    out.on('error', (error) => {
      this.meter.dynamoDbRequest(operation, tables, true);
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`DynamoDB Local did not answer: ${error.message}`);
    });
    req.pipe(out);
  }

  async stop(): Promise<void> {
    await close(this.server);
    this.agent.destroy();
  }
}
