import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import {
  FunctionNotFoundError,
  type Invoker,
  MAX_ASYNC_PAYLOAD_BYTES,
  MAX_SYNC_PAYLOAD_BYTES,
  RequestTooLargeError,
} from '../invoke/invoke.js';
import { sleep } from '../ports.js';
import type { Service } from '../service.js';
import { close, createServer, listen, RequestBodyTooLargeError, readBody } from './server.js';

const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;
/** Lambda retries a failed asynchronous invocation twice. */
const ASYNC_RETRIES = 2;

/** Options of the Lambda API service. */
export interface LambdaApiOptions {
  /** The invoker; a getter, since functions are set up after this server listens. */
  readonly invoker: () => Invoker | undefined;
  readonly port?: number;
  readonly log?: (message: string) => void;
}

/**
 * The Lambda Invoke API (`POST /2015-03-31/functions/{FunctionName}/invocations`) for the
 * SDK: functions call each other through it (AWS_ENDPOINT_URL_LAMBDA), through the same
 * invoke path as everything else. RequestResponse, Event (with Lambda's two retries) and
 * DryRun; errors in the REST-JSON shape the SDK parses (`x-amzn-errortype`).
 */
export class LambdaApiService implements Service {
  readonly name = 'Lambda API';
  private server?: Server;
  private readonly background = new Set<Promise<void>>();
  private stopping = false;
  port = 0;

  constructor(private readonly options: LambdaApiOptions) {}

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const server = createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => {
        if (!response.headersSent)
          sendError(response, 500, 'ServiceException', (error as Error).message);
      });
    });
    this.port = await listen(server, this.options.port ?? 0, '127.0.0.1', this.name);
    this.server = server;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const match = INVOKE_PATH.exec(url.pathname);
    if (!match || request.method !== 'POST') {
      return sendError(
        response,
        404,
        'UnknownOperationException',
        `Unsupported operation: ${request.method} ${url.pathname}`,
      );
    }
    const invoker = this.options.invoker();
    if (!invoker)
      return sendError(response, 503, 'ServiceException', 'the local cloud is not ready');
    const name = decodeURIComponent(match[1]!);
    const qualifier = url.searchParams.get('Qualifier');
    const fn = invoker.find(name);
    if (!fn || (qualifier !== null && qualifier !== '$LATEST')) {
      return sendError(
        response,
        404,
        'ResourceNotFoundException',
        `Function not found: arn:aws:lambda:us-east-1:000000000000:function:${name}${qualifier ? `:${qualifier}` : ''}`,
      );
    }
    const type = String(request.headers['x-amz-invocation-type'] ?? 'RequestResponse');
    let body: Buffer;
    try {
      body = await readBody(
        request,
        type === 'Event' ? MAX_ASYNC_PAYLOAD_BYTES : MAX_SYNC_PAYLOAD_BYTES,
      );
    } catch (error) {
      if (!(error instanceof RequestBodyTooLargeError)) throw error;
      return sendError(
        response,
        413,
        'RequestTooLargeException',
        'Request must be smaller than the payload limit for the Invoke operation',
      );
    }
    const payload = body.length === 0 ? '{}' : body.toString('utf8');
    try {
      JSON.parse(payload);
    } catch {
      return sendError(
        response,
        400,
        'InvalidRequestContentException',
        'Could not parse request body into json',
      );
    }
    if (type === 'DryRun') {
      response.writeHead(204, { 'x-amzn-requestid': crypto.randomUUID() });
      return void response.end();
    }
    const clientContext = request.headers['x-amz-client-context'];
    const context =
      typeof clientContext === 'string'
        ? JSON.parse(Buffer.from(clientContext, 'base64').toString())
        : undefined;
    if (type === 'Event') {
      const requestId = crypto.randomUUID();
      const job = this.invokeAsync(invoker, fn.name, payload, requestId).finally(() =>
        this.background.delete(job),
      );
      this.background.add(job);
      response.writeHead(202, { 'x-amzn-requestid': requestId, 'content-length': '0' });
      return void response.end();
    }
    if (type !== 'RequestResponse') {
      return sendError(
        response,
        400,
        'InvalidParameterValueException',
        `Invalid InvocationType: ${type}`,
      );
    }
    try {
      const result = await invoker.invoke(fn.name, payload, { clientContext: context });
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'x-amzn-requestid': result.requestId,
        'x-amz-executed-version': '$LATEST',
        'content-length': String(Buffer.byteLength(result.payload)),
      };
      if (result.functionError) headers['x-amz-function-error'] = result.functionError;
      response.writeHead(200, headers);
      response.end(result.payload);
    } catch (error) {
      if (error instanceof FunctionNotFoundError)
        return sendError(response, 404, error.name, error.message);
      if (error instanceof RequestTooLargeError)
        return sendError(response, 413, error.name, error.message);
      throw error;
    }
  }

  private async invokeAsync(
    invoker: Invoker,
    name: string,
    payload: string,
    requestId: string,
  ): Promise<void> {
    for (let attempt = 0; attempt <= ASYNC_RETRIES && !this.stopping; attempt++) {
      const result = await invoker.invoke(name, payload, {
        requestId,
        maxPayloadBytes: MAX_ASYNC_PAYLOAD_BYTES,
      });
      if (!result.functionError) return;
      await sleep(1000 * 2 ** attempt);
    }
    this.options.log?.(
      `Lambda API: asynchronous invocation ${requestId} of ${name} failed after ${ASYNC_RETRIES} retries`,
    );
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await close(this.server);
  }
}

function sendError(response: ServerResponse, status: number, type: string, message: string): void {
  const body = JSON.stringify({ Type: status < 500 ? 'User' : 'Service', message });
  response.writeHead(status, {
    'content-type': 'application/json',
    'x-amzn-errortype': type,
    'x-amzn-requestid': crypto.randomUUID(),
    'content-length': String(Buffer.byteLength(body)),
  });
  response.end(body);
}
