import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { LOCAL_ACCOUNT } from '../template/intrinsics.js';

/** A parsed route key: `POST /orders/{id}`, `ANY /{proxy+}` or `$default`. */
export interface Route {
  readonly routeKey: string;
  readonly method: string;
  readonly segments: readonly string[];
  readonly isDefault: boolean;
}

/** Parses an HTTP API route key. */
export function parseRouteKey(routeKey: string): Route {
  if (routeKey === '$default') return { routeKey, method: 'ANY', segments: [], isDefault: true };
  const [method = 'ANY', path = '/'] = routeKey.split(' ');
  return {
    routeKey,
    method: method.toUpperCase(),
    segments: path.split('/').filter(Boolean),
    isDefault: false,
  };
}

/** A route that matched a request, with its path parameters. */
export interface RouteMatch<T extends Route> {
  readonly route: T;
  readonly pathParameters: Record<string, string>;
}

function matchSegments(route: Route, parts: readonly string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < route.segments.length; i++) {
    const segment = route.segments[i]!;
    const greedy = /^\{(.+)\+\}$/.exec(segment);
    if (greedy) {
      if (i !== route.segments.length - 1 || parts.length <= i) return undefined;
      params[greedy[1]!] = parts.slice(i).join('/');
      return params;
    }
    const part = parts[i];
    if (part === undefined) return undefined;
    const param = /^\{(.+)\}$/.exec(segment);
    if (param) params[param[1]!] = decodeURIComponent(part);
    else if (segment !== part) return undefined;
  }
  return parts.length === route.segments.length ? params : undefined;
}

/**
 * Picks the route API Gateway would: the most specific match (literal segments before
 * parameters before greedy ones, an exact method before ANY), else `$default`.
 */
export function matchRoute<T extends Route>(
  routes: readonly T[],
  method: string,
  path: string,
): RouteMatch<T> | undefined {
  const parts = path.split('/').filter(Boolean);
  const kinds = (r: Route) =>
    r.segments.map((seg) => (seg.endsWith('+}') ? 0 : seg.startsWith('{') ? 1 : 2));
  const specificity = (a: Route, b: Route): number => {
    const [ka, kb] = [kinds(a), kinds(b)];
    const greedy = Number(ka.includes(0)) - Number(kb.includes(0));
    if (greedy !== 0) return greedy;
    for (let i = 0; i < Math.min(ka.length, kb.length); i++) {
      const d = (kb[i] ?? 0) - (ka[i] ?? 0);
      if (d !== 0) return d;
    }
    return kb.length - ka.length || Number(a.method === 'ANY') - Number(b.method === 'ANY');
  };
  const candidates = routes
    .filter((r) => !r.isDefault && (r.method === 'ANY' || r.method === method.toUpperCase()))
    .map((route) => ({ route, pathParameters: matchSegments(route, parts) }))
    .filter((m): m is RouteMatch<T> => m.pathParameters !== undefined)
    .sort((a, b) => specificity(a.route, b.route));
  if (candidates[0]) return candidates[0];
  const fallback = routes.find((r) => r.isDefault);
  return fallback ? { route: fallback, pathParameters: {} } : undefined;
}

/** The request as the HTTP server read it. */
export interface RawRequest {
  readonly method: string;
  /** Path and query as received (`/orders?x=1`). */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly sourceIp: string;
  readonly protocol?: string;
}

/** An API Gateway HTTP API payload format 2.0 event. */
export interface HttpApiV2Event {
  version: '2.0';
  routeKey: string;
  rawPath: string;
  rawQueryString: string;
  cookies?: string[];
  headers: Record<string, string>;
  queryStringParameters?: Record<string, string>;
  pathParameters?: Record<string, string>;
  stageVariables?: Record<string, string>;
  requestContext: {
    accountId: string;
    apiId: string;
    domainName: string;
    domainPrefix: string;
    http: { method: string; path: string; protocol: string; sourceIp: string; userAgent: string };
    requestId: string;
    routeKey: string;
    stage: string;
    time: string;
    timeEpoch: number;
  };
  body?: string;
  isBase64Encoded: boolean;
}

const TEXT_TYPES =
  /^(text\/|application\/(json|xml|javascript|x-www-form-urlencoded|[\w.+-]+\+(json|xml)))/i;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `22/Nov/2025:23:01:02 +0000`, the format of `requestContext.time`. */
function clfTime(date: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:${p(date.getUTCHours())}:${p(date.getUTCMinutes())}:${p(date.getUTCSeconds())} +0000`;
}

/** An API Gateway-like request id (`JJWpYhvFoAMEPsA=`). */
export function apiRequestId(): string {
  return randomBytes(10).toString('base64');
}

/**
 * Builds the event API Gateway sends to a Lambda integration of an HTTP API (payload 2.0):
 * headers lower-cased and repeated ones joined with commas, cookies apart, query
 * parameters joined likewise, the body base64-encoded unless it is text.
 */
export function buildHttpApiEvent(
  request: RawRequest,
  match: RouteMatch<Route>,
  api: { apiId: string; domainName: string; requestId?: string; now?: Date },
): HttpApiV2Event {
  const now = api.now ?? new Date();
  const queryIndex = request.url.indexOf('?');
  const rawPath = queryIndex >= 0 ? request.url.slice(0, queryIndex) : request.url;
  const rawQueryString = queryIndex >= 0 ? request.url.slice(queryIndex + 1) : '';
  const headers: Record<string, string> = {};
  let cookies: string[] | undefined;
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    const joined = Array.isArray(value) ? value.join(',') : value;
    if (lower === 'cookie') cookies = joined.split(/;\s*/).filter(Boolean);
    else headers[lower] = joined;
  }
  headers['x-forwarded-for'] ??= request.sourceIp;
  headers['x-forwarded-proto'] ??= 'http';
  let queryStringParameters: Record<string, string> | undefined;
  if (rawQueryString) {
    queryStringParameters = {};
    for (const [key, value] of new URLSearchParams(rawQueryString)) {
      const existing: string | undefined = queryStringParameters[key];
      queryStringParameters[key] = existing === undefined ? value : `${existing},${value}`;
    }
  }
  const contentType = headers['content-type'] ?? '';
  const isText = contentType === '' || TEXT_TYPES.test(contentType);
  const hasBody = request.body.length > 0;
  const requestId = api.requestId ?? apiRequestId();
  return {
    version: '2.0',
    routeKey: match.route.routeKey,
    rawPath,
    rawQueryString,
    ...(cookies ? { cookies } : {}),
    headers,
    ...(queryStringParameters ? { queryStringParameters } : {}),
    ...(Object.keys(match.pathParameters).length > 0
      ? { pathParameters: match.pathParameters }
      : {}),
    requestContext: {
      accountId: LOCAL_ACCOUNT,
      apiId: api.apiId,
      domainName: api.domainName,
      domainPrefix: api.domainName.split('.')[0] ?? api.domainName,
      http: {
        method: request.method.toUpperCase(),
        path: decodeURIComponent(rawPath),
        protocol: request.protocol ?? 'HTTP/1.1',
        sourceIp: request.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey: match.route.routeKey,
      stage: '$default',
      time: clfTime(now),
      timeEpoch: now.getTime(),
    },
    ...(hasBody
      ? { body: isText ? request.body.toString('utf8') : request.body.toString('base64') }
      : {}),
    isBase64Encoded: hasBody && !isText,
  };
}

/** The HTTP response API Gateway makes of a function's result. */
export interface HttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  cookies: string[];
  body: Buffer;
}

/**
 * Maps a function's JSON result to the HTTP response (payload 2.0 rules): an object with
 * `statusCode` is taken as a response; any other valid JSON is a 200 with that JSON as body.
 */
export function mapHttpApiResult(payload: string): HttpResponse {
  let result: unknown;
  try {
    result = JSON.parse(payload);
  } catch {
    return jsonResponse(500, { message: 'Internal Server Error' });
  }
  if (
    typeof result === 'object' &&
    result !== null &&
    !Array.isArray(result) &&
    'statusCode' in result
  ) {
    const r = result as {
      statusCode: unknown;
      headers?: Record<string, unknown>;
      multiValueHeaders?: Record<string, unknown[]>;
      cookies?: unknown[];
      body?: unknown;
      isBase64Encoded?: unknown;
    };
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(r.headers ?? {})) headers[k.toLowerCase()] = String(v);
    for (const [k, v] of Object.entries(r.multiValueHeaders ?? {}))
      headers[k.toLowerCase()] = v.map(String).join(',');
    const text =
      r.body === undefined || r.body === null
        ? ''
        : typeof r.body === 'string'
          ? r.body
          : JSON.stringify(r.body);
    const body = r.isBase64Encoded === true ? Buffer.from(text, 'base64') : Buffer.from(text);
    const statusCode = Number(r.statusCode);
    if (!Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599) {
      return jsonResponse(500, { message: 'Internal Server Error' });
    }
    return { statusCode, headers, cookies: (r.cookies ?? []).map(String), body };
  }
  const body = typeof result === 'string' ? result : payload;
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    cookies: [],
    body: Buffer.from(body),
  };
}

/** A JSON response as API Gateway writes its own errors. */
export function jsonResponse(statusCode: number, body: unknown): HttpResponse {
  return {
    statusCode,
    headers: { 'content-type': 'application/json' },
    cookies: [],
    body: Buffer.from(JSON.stringify(body)),
  };
}
