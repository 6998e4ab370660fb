/**
 * A small SSM Parameter Store (String parameters) speaking the AWS JSON 1.1 protocol on
 * 127.0.0.1: enough for Powertools Parameters (GetParameter, GetParameters) and for the CLI
 * (PutParameter, DeleteParameter); other operations answer UnknownOperationException. The
 * template's AWS::SSM::Parameter resources are created at start; values survive a restart
 * with `--persist`.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { close, createServer, listen, RequestBodyTooLargeError, readBody } from '../http/server.js';
import type { Service } from '../service.js';
import { LOCAL_ACCOUNT, LOCAL_REGION } from '../template/intrinsics.js';

/** An SSM parameter of the template. */
export interface ParameterDef {
  readonly logicalId: string;
  readonly name: string;
  readonly type: string;
  readonly value: string;
}

interface StoredParameter {
  name: string;
  type: string;
  value: string;
  version: number;
  lastModified: number;
}

/** An SSM API error: `__type` and HTTP status as AWS sends them. */
class SsmError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

const MAX_BODY_BYTES = 256 * 1024;
/** Standard-tier parameter value limit. */
const MAX_VALUE_BYTES = 4096;
const NAME = /^\/?[A-Za-z0-9_.\-/]{1,2048}$/;

/** Options of the SSM service. */
export interface SsmOptions {
  readonly parameters: readonly ParameterDef[];
  /** Where values are saved on stop and restored from on start (`--persist`). */
  readonly snapshotFile?: string;
  /** Told each request's operation (the usage meter). */
  readonly onRequest?: (operation: string) => void;
}

/** The local SSM Parameter Store. */
export class SsmService implements Service {
  readonly name = 'SSM parameters';
  endpoint = '';
  private server?: Server;
  private readonly store = new Map<string, StoredParameter>();

  constructor(private readonly options: SsmOptions) {}

  async start(): Promise<void> {
    const now = Date.now() / 1000;
    for (const p of this.options.parameters) {
      this.store.set(p.name, {
        name: p.name,
        type: p.type,
        value: p.value,
        version: 1,
        lastModified: now,
      });
    }
    const file = this.options.snapshotFile;
    if (file && existsSync(file)) {
      const saved = JSON.parse(readFileSync(file, 'utf8')) as StoredParameter[];
      for (const p of saved) this.store.set(p.name, p);
    }
    const server = createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) =>
        send(response, 500, { __type: 'InternalServerError', message: String(error) }),
      );
    });
    const port = await listen(server, 0, '127.0.0.1', 'the SSM emulator');
    this.server = server;
    this.endpoint = `http://127.0.0.1:${port}`;
  }

  async stop(): Promise<void> {
    const file = this.options.snapshotFile;
    if (file) writeFileSync(file, `${JSON.stringify([...this.store.values()], null, 1)}\n`);
    const server = this.server;
    this.server = undefined;
    await close(server);
  }

  /** A parameter's current value (for tests), undefined when absent. */
  value(name: string): string | undefined {
    return this.store.get(name)?.value;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const target = String(request.headers['x-amz-target'] ?? '');
    let body: Buffer;
    try {
      body = await readBody(request, MAX_BODY_BYTES);
    } catch (error) {
      if (!(error instanceof RequestBodyTooLargeError)) throw error;
      return send(response, 413, { __type: 'ValidationException', message: 'request too large' });
    }
    try {
      if (request.method !== 'POST' || !target.startsWith('AmazonSSM.')) {
        throw new SsmError(
          'UnknownOperationException',
          `not an SSM request: ${target || request.method}`,
        );
      }
      let input: Record<string, unknown>;
      try {
        input = JSON.parse(body.toString('utf8') || '{}');
      } catch {
        throw new SsmError('SerializationException', 'the request body is not JSON');
      }
      const operation = target.slice('AmazonSSM.'.length);
      this.options.onRequest?.(operation);
      send(response, 200, this.operate(operation, input));
    } catch (error) {
      if (!(error instanceof SsmError)) throw error;
      send(response, error.status, { __type: error.type, message: error.message });
    }
  }

  private operate(operation: string, input: Record<string, unknown>): unknown {
    switch (operation) {
      case 'GetParameter':
        return { Parameter: this.describe(this.get(nameOf(input.Name))) };
      case 'GetParameters': {
        const names = Array.isArray(input.Names) ? input.Names.map(nameOf) : [];
        const found = names.filter((n) => this.store.has(n));
        return {
          Parameters: found.map((n) => this.describe(this.get(n))),
          InvalidParameters: names.filter((n) => !this.store.has(n)),
        };
      }
      case 'PutParameter':
        return this.put(input);
      case 'DeleteParameter': {
        const name = nameOf(input.Name);
        this.get(name);
        this.store.delete(name);
        return {};
      }
      default:
        throw new SsmError(
          'UnknownOperationException',
          `the local SSM serves GetParameter(s), PutParameter and DeleteParameter, not ${operation}`,
        );
    }
  }

  private put(input: Record<string, unknown>): unknown {
    const name = nameOf(input.Name);
    const value = input.Value;
    if (typeof value !== 'string' || value.length === 0) {
      throw new SsmError('ValidationException', 'Value must be a non-empty string');
    }
    if (Buffer.byteLength(value) > MAX_VALUE_BYTES) {
      throw new SsmError('ValidationException', `Value is over ${MAX_VALUE_BYTES} bytes`);
    }
    const existing = this.store.get(name);
    if (existing && input.Overwrite !== true) {
      throw new SsmError('ParameterAlreadyExists', `The parameter ${name} already exists.`);
    }
    const type = typeof input.Type === 'string' ? input.Type : (existing?.type ?? 'String');
    const version = (existing?.version ?? 0) + 1;
    this.store.set(name, { name, type, value, version, lastModified: Date.now() / 1000 });
    return { Version: version, Tier: 'Standard' };
  }

  private get(name: string): StoredParameter {
    const found = this.store.get(name);
    if (!found) throw new SsmError('ParameterNotFound', `Parameter ${name} not found.`);
    return found;
  }

  private describe(p: StoredParameter) {
    const path = p.name.startsWith('/') ? p.name : `/${p.name}`;
    return {
      Name: p.name,
      Type: p.type,
      Value: p.value,
      Version: p.version,
      LastModifiedDate: p.lastModified,
      ARN: `arn:aws:ssm:${LOCAL_REGION}:${LOCAL_ACCOUNT}:parameter${path}`,
      DataType: 'text',
    };
  }
}

function nameOf(value: unknown): string {
  if (typeof value !== 'string' || !NAME.test(value)) {
    throw new SsmError('ValidationException', `invalid parameter name ${JSON.stringify(value)}`);
  }
  return value;
}

function send(response: ServerResponse, status: number, body: unknown): void {
  if (response.headersSent) return;
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/x-amz-json-1.1',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}
