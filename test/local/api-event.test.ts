import { describe, expect, it } from 'vitest';
import {
  buildHttpApiEvent,
  mapHttpApiResult,
  matchRoute,
  parseRouteKey,
} from '../../local/http/api-event.js';

const routes = [
  'POST /orders',
  'GET /orders/{id}',
  'GET /orders/{id}/events',
  'GET /orders/latest',
  'ANY /files/{proxy+}',
].map(parseRouteKey);

describe('HTTP API route matching', () => {
  it('extracts path parameters and prefers literal segments', () => {
    expect(matchRoute(routes, 'GET', '/orders/o-1')).toMatchObject({
      route: { routeKey: 'GET /orders/{id}' },
      pathParameters: { id: 'o-1' },
    });
    expect(matchRoute(routes, 'GET', '/orders/latest')?.route.routeKey).toBe('GET /orders/latest');
    expect(matchRoute(routes, 'GET', '/orders/o-1/events')?.route.routeKey).toBe(
      'GET /orders/{id}/events',
    );
    expect(matchRoute(routes, 'PUT', '/files/a/b.txt')?.pathParameters).toEqual({
      proxy: 'a/b.txt',
    });
  });

  it('matches nothing for another method or path without $default', () => {
    expect(matchRoute(routes, 'DELETE', '/orders')).toBeUndefined();
    expect(matchRoute(routes, 'GET', '/nothing')).toBeUndefined();
    expect(
      matchRoute([...routes, parseRouteKey('$default')], 'GET', '/nothing')?.route.routeKey,
    ).toBe('$default');
  });
});

describe('buildHttpApiEvent', () => {
  const match = matchRoute(routes, 'POST', '/orders')!;
  const now = new Date('2025-11-22T23:01:02.345Z');

  it('builds a payload 2.0 event as API Gateway does', () => {
    const event = buildHttpApiEvent(
      {
        method: 'POST',
        url: '/orders?a=1&a=2&b=x',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'curl/8',
          cookie: 'c1=v1; c2=v2',
          'x-multi': ['1', '2'],
        },
        body: Buffer.from('{"items":[]}'),
        sourceIp: '127.0.0.1',
      },
      match,
      { apiId: 'httpapi', domainName: 'localhost:3000', requestId: 'req-1', now },
    );
    expect(event).toEqual({
      version: '2.0',
      routeKey: 'POST /orders',
      rawPath: '/orders',
      rawQueryString: 'a=1&a=2&b=x',
      cookies: ['c1=v1', 'c2=v2'],
      headers: {
        'content-type': 'application/json',
        'user-agent': 'curl/8',
        'x-multi': '1,2',
        'x-forwarded-for': '127.0.0.1',
        'x-forwarded-proto': 'http',
      },
      queryStringParameters: { a: '1,2', b: 'x' },
      requestContext: {
        accountId: '000000000000',
        apiId: 'httpapi',
        domainName: 'localhost:3000',
        domainPrefix: 'localhost:3000',
        http: {
          method: 'POST',
          path: '/orders',
          protocol: 'HTTP/1.1',
          sourceIp: '127.0.0.1',
          userAgent: 'curl/8',
        },
        requestId: 'req-1',
        routeKey: 'POST /orders',
        stage: '$default',
        time: '22/Nov/2025:23:01:02 +0000',
        timeEpoch: now.getTime(),
      },
      body: '{"items":[]}',
      isBase64Encoded: false,
    });
  });

  it('base64-encodes a binary body and leaves out an empty one', () => {
    const request = {
      method: 'POST',
      url: '/orders',
      headers: { 'content-type': 'image/png' },
      sourceIp: '::1',
    };
    const binary = buildHttpApiEvent({ ...request, body: Buffer.from([1, 2, 3]) }, match, {
      apiId: 'a',
      domainName: 'd',
    });
    const empty = buildHttpApiEvent({ ...request, body: Buffer.alloc(0) }, match, {
      apiId: 'a',
      domainName: 'd',
    });
    expect(binary).toMatchObject({ body: 'AQID', isBase64Encoded: true });
    expect(empty.body).toBeUndefined();
    expect(empty.isBase64Encoded).toBe(false);
  });
});

describe('mapHttpApiResult', () => {
  it('takes a result with statusCode as the response', () => {
    const response = mapHttpApiResult(
      JSON.stringify({
        statusCode: 202,
        headers: { Location: '/orders/1' },
        cookies: ['a=1'],
        body: '{"ok":true}',
      }),
    );
    expect(response).toMatchObject({
      statusCode: 202,
      headers: { location: '/orders/1' },
      cookies: ['a=1'],
    });
    expect(response.body.toString()).toBe('{"ok":true}');
  });

  it('decodes a base64 body', () => {
    expect(
      mapHttpApiResult(
        JSON.stringify({ statusCode: 200, body: 'aGk=', isBase64Encoded: true }),
      ).body.toString(),
    ).toBe('hi');
  });

  it('turns any other JSON into a 200 JSON response', () => {
    const response = mapHttpApiResult('{"plain":true}');
    expect(response).toMatchObject({
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
    });
    expect(response.body.toString()).toBe('{"plain":true}');
  });
});
