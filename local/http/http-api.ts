import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { type Invoker, RequestTooLargeError } from '../invoke/invoke.js';
import { sleep } from '../ports.js';
import type { Service } from '../service.js';
import type { HttpApiDef, RouteDef } from '../template/stack.js';
import {
  apiRequestId,
  buildHttpApiEvent,
  type HttpResponse,
  jsonResponse,
  mapHttpApiResult,
  matchRoute,
  parseRouteKey,
  type Route,
} from './api-event.js';
import { close, createServer, listen, RequestBodyTooLargeError, readBody } from './server.js';

/** API Gateway's request body limit (10 MB). */
const MAX_BODY_BYTES = 10 * 1024 * 1024;
/** API Gateway HTTP API's integration timeout: past it the client gets a 503. */
const INTEGRATION_TIMEOUT_MS = 30_000;

type LocalRoute = Route & { readonly functionName: string };

/** Options of the HTTP API service. */
export interface HttpApiOptions {
  readonly api: HttpApiDef;
  /** The invoke path (a getter: the functions start after this service is made). */
  readonly invoker: () => Invoker;
  readonly port: number;
  readonly host?: string;
  readonly log?: (message: string) => void;
  /** Told each request the API serves (the usage meter). */
  readonly onRequest?: () => void;
}

/**
 * Serves the template's HTTP API routes: each request becomes a payload 2.0 event for the
 * route's function (through the invoke path), and its result the response, with API
 * Gateway's answers when there is no route (404), the function fails (500) or the
 * integration times out (503).
 */
export class HttpApiService implements Service {
  readonly name = 'HTTP API';
  private server?: Server;
  private readonly routes: LocalRoute[];
  port = 0;

  constructor(private readonly options: HttpApiOptions) {
    this.routes = options.api.routes.map((r: RouteDef) => ({
      ...parseRouteKey(r.routeKey),
      functionName: r.functionName,
    }));
  }

  /** The local base URL, without a trailing slash. */
  get url(): string {
    return `http://localhost:${this.port}`;
  }

  async start(): Promise<void> {
    const server = createServer((request, response) => {
      this.options.onRequest?.();
      this.handle(request, response).catch((error: unknown) => {
        this.options.log?.(`HTTP API: ${(error as Error).message}`);
        if (!response.headersSent)
          send(response, jsonResponse(500, { message: 'Internal Server Error' }), '');
      });
    });
    server.keepAliveTimeout = 5_000;
    // A request Node cannot parse (headers over its 16 KiB, a broken request line) is refused
    // before any route, with a gateway-style JSON answer as API Gateway gives, not a bare status.
    server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
      if (!socket.writable) return socket.destroy();
      const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
      const status = tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request';
      const body = JSON.stringify({
        message: tooLarge ? 'Request Header Fields Too Large' : 'Bad Request',
      });
      socket.end(
        `HTTP/1.1 ${status}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
      );
    });
    this.port = await listen(
      server,
      this.options.port,
      this.options.host ?? '127.0.0.1',
      this.name,
    );
    this.server = server;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const requestId = apiRequestId();
    let body: Buffer;
    try {
      body = await readBody(request, MAX_BODY_BYTES);
    } catch (error) {
      if (error instanceof RequestBodyTooLargeError) {
        return send(
          response,
          jsonResponse(413, { message: 'Request Entity Too Large' }),
          requestId,
        );
      }
      throw error;
    }
    const method = request.method ?? 'GET';
    const url = request.url ?? '/';
    const match = matchRoute(this.routes, method, url.split('?')[0] ?? '/');
    if (!match) return send(response, jsonResponse(404, { message: 'Not Found' }), requestId);
    const event = buildHttpApiEvent(
      {
        method,
        url,
        headers: request.headers,
        body,
        sourceIp: (request.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
        protocol: `HTTP/${request.httpVersion}`,
      },
      match,
      {
        apiId: this.options.api.apiId,
        domainName: request.headers.host ?? `localhost:${this.port}`,
        requestId,
      },
    );
    const invocation = this.options
      .invoker()
      .invoke(match.route.functionName, event)
      .then(
        (result) =>
          result.functionError
            ? jsonResponse(500, { message: 'Internal Server Error' })
            : mapHttpApiResult(result.payload),
        (error: unknown) =>
          // A payload over Lambda's 6 MB: API Gateway answers 413 without calling the function.
          error instanceof RequestTooLargeError
            ? jsonResponse(413, { message: 'Request Entity Too Large' })
            : jsonResponse(500, { message: 'Internal Server Error' }),
      );
    const timeout = new AbortController();
    const answer = await Promise.race([
      invocation,
      sleep(INTEGRATION_TIMEOUT_MS, timeout.signal).then(() =>
        jsonResponse(503, { message: 'Service Unavailable' }),
      ),
    ]);
    timeout.abort();
    send(response, answer, requestId);
  }

  async stop(): Promise<void> {
    await close(this.server);
  }
}

function send(response: ServerResponse, answer: HttpResponse, requestId: string): void {
  const headers: Record<string, string | string[]> = {
    ...answer.headers,
    'content-length': String(answer.body.length),
    'apigw-requestid': requestId,
  };
  if (answer.cookies.length > 0) headers['set-cookie'] = answer.cookies;
  response.writeHead(answer.statusCode, headers);
  response.end(answer.body);
}
