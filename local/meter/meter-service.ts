import { close, createServer, listen } from '../http/server.js';
import type { Service } from '../service.js';
import type { UsageMeter } from './usage.js';

/** The path that answers the meter's snapshot as JSON. */
const USAGE_PATH = '/usage';

/**
 * The meter's read-only endpoint on 127.0.0.1 (`endpoints.meter` in cloud.json):
 * `GET /usage` answers what the local cloud counted since it started (a `UsageSnapshot`).
 */
export class MeterService implements Service {
  readonly name = 'meter';
  private readonly server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== USAGE_PATH) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`only GET ${USAGE_PATH}`);
      return;
    }
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify(this.meter.snapshot()));
  });
  endpoint = '';

  constructor(private readonly meter: UsageMeter) {}

  async start(): Promise<void> {
    const port = await listen(this.server, 0, '127.0.0.1', this.name);
    this.endpoint = `http://127.0.0.1:${port}`;
  }

  stop(): Promise<void> {
    return close(this.server);
  }
}
