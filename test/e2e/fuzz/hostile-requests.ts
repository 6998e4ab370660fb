/**
 * fast-check arbitraries of hostile HTTP requests to the orders API. Every request is invalid
 * by construction: bodies that might still parse as a valid order only ever name skus that are
 * not in the catalog (UNKNOWN_SKU), so no generated request can create an order.
 */
import fc from 'fast-check';

/** One raw request: method, path (already encoded as sent), headers, body bytes. */
export interface HostileRequest {
  category: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

/** A sku that is well-formed but never in the catalog. */
const unknownSku = fc.stringMatching(/^zz-fuzz-[a-z0-9]{1,12}$/);
const key = fc.uuid();
const jsonHeaders = (idempotencyKey: string) => ({
  'content-type': 'application/json',
  'idempotency-key': idempotencyKey,
});
const post = (category: string, body: string | Buffer, idempotencyKey: string): HostileRequest => ({
  category,
  method: 'POST',
  path: '/orders',
  headers: jsonHeaders(idempotencyKey),
  body: typeof body === 'string' ? Buffer.from(body, 'utf8') : body,
});
const validBody = fc
  .array(fc.record({ sku: unknownSku, qty: fc.integer({ min: 1, max: 1000 }) }), {
    minLength: 1,
    maxLength: 5,
  })
  .map((items) => JSON.stringify({ items }));

/** A valid-looking body cut short. */
const truncatedJson = fc
  .tuple(validBody, fc.nat(), key)
  .map(([body, at, k]) => post('truncated JSON', body.slice(0, at % body.length), k));

/** Characters that break JSON, inserted somewhere (any survivor names an unknown sku). */
const corruptedJson = fc
  .tuple(
    validBody,
    fc.nat(),
    fc.string({
      unit: fc.constantFrom('{', '}', '[', ']', ',', ':', '"', '\\', "'", 'x', ' ', '\n'),
      minLength: 1,
      maxLength: 4,
    }),
    key,
  )
  .map(([body, at, junk, k]) => {
    const i = at % (body.length + 1);
    return post('malformed JSON', body.slice(0, i) + junk + body.slice(i), k);
  });

const notString = fc.oneof(
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.nat(), { maxLength: 3 }),
  fc.object({ maxDepth: 1 }),
);
const notInteger = fc.oneof(
  fc.string({ maxLength: 5 }),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.nat(), { maxLength: 3 }),
  fc.object({ maxDepth: 1 }),
);

/** The right fields with the wrong types. */
const wrongTypes = fc
  .tuple(
    fc.oneof(
      notString.map((sku) => ({ items: [{ sku, qty: 1 }] })),
      unknownSku.chain((sku) => notInteger.map((qty) => ({ items: [{ sku, qty }] }))),
      unknownSku.chain((sku) => notInteger.map((price) => ({ items: [{ sku, qty: 1, price }] }))),
      fc
        .oneof(fc.string(), fc.integer(), fc.object({ maxDepth: 1 }), fc.constant(null))
        .map((items) => ({ items })),
      fc
        .oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.integer()))
        .map((item) => ({ items: [item] })),
      fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.integer())),
      fc.constant({}),
      fc.constant({ items: [] }),
      unknownSku.map((sku) => ({ items: [{ sku, qty: 1 }], extra: true })),
      unknownSku.map((sku) => ({ items: [{ sku, qty: 1, color: 'red' }] })),
      unknownSku.map((sku) => ({
        items: [
          { sku, qty: 1 },
          { sku, qty: 2 },
        ],
      })),
      unknownSku.map((sku) => ({
        items: Array.from({ length: 51 }, (_, i) => ({ sku: `${sku}-${i}`, qty: 1 })),
      })),
    ),
    key,
  )
  .map(([body, k]) => post('wrong types and shapes', JSON.stringify(body), k));

/** Numbers no order can have, written as raw JSON tokens (1e309 parses to Infinity). */
const badNumberToken = fc.oneof(
  fc.constantFrom(
    '1e309',
    '-1e309',
    '-0',
    '0',
    '-1',
    '1.5',
    '0.0001',
    '1e3000',
    '9007199254740993',
    '1001',
    '1e6',
    '-9007199254740992',
    '2.5e2',
    '1E400',
    '0x10',
    '+1',
    '.5',
    '01',
    'NaN',
    'Infinity',
  ),
  fc.integer({ min: -1_000_000_000, max: 0 }).map(String),
  fc.integer({ min: 1001, max: Number.MAX_SAFE_INTEGER }).map(String),
  fc.double({ noInteger: true, noDefaultInfinity: true, noNaN: true }).map(String),
);
const badNumbers = fc
  .tuple(unknownSku, badNumberToken, fc.boolean(), key)
  .map(([sku, token, inPrice, k]) =>
    post(
      'bad numbers',
      inPrice
        ? `{"items":[{"sku":"${sku}","qty":1,"price":${token}}]}`
        : `{"items":[{"sku":"${sku}","qty":${token}}]}`,
      k,
    ),
  );

/** Keys that reach for the prototype, at any level. */
const prototypeKeys = fc
  .tuple(
    unknownSku,
    fc.constantFrom('__proto__', 'constructor', 'prototype'),
    fc.constantFrom('top', 'item', 'nested'),
    key,
  )
  .map(([sku, name, where, k]) => {
    const line = `{"sku":"${sku}","qty":1${where === 'item' ? `,"${name}":{"admin":true}` : ''}}`;
    const body =
      where === 'top'
        ? `{"items":[${line}],"${name}":{"polluted":true}}`
        : where === 'nested'
          ? `{"items":[{"sku":"${sku}","qty":1,"price":{"${name}":{"x":1}}}]}`
          : `{"items":[${line}]}`;
    return post('__proto__ and constructor keys', body, k);
  });

/** Arrays or objects nested deep, within or past the body limit. */
const deepNesting = fc
  .tuple(fc.integer({ min: 50, max: 20_000 }), fc.boolean(), fc.boolean(), key)
  .map(([depth, asArray, inItems, k]) => {
    const open = asArray ? '['.repeat(depth) : '{"a":'.repeat(depth);
    const close = asArray ? ']'.repeat(depth) : '}'.repeat(depth);
    const nest = `${open}1${close}`;
    return post('deep nesting', inItems ? `{"items":${nest}}` : nest, k);
  });

/** Bodies over the API's 16 KiB limit (up to 2 MB, under Lambda's 6 MB). */
const oversize = fc
  .tuple(fc.integer({ min: 16 * 1024 + 1, max: 2 * 1024 * 1024 }), unknownSku, fc.boolean(), key)
  .map(([size, sku, asSku, k]) => {
    const filler = asSku ? 'a'.repeat(size) : ' '.repeat(size);
    return post(
      'oversize bodies',
      asSku
        ? `{"items":[{"sku":"${filler}","qty":1}]}`
        : `{"items":[{"sku":"${sku}","qty":1}]}${filler}`,
      k,
    );
  });

/** Skus and bodies of odd unicode and bytes that are not UTF-8. */
const oddUnicode = fc
  .tuple(
    fc.oneof(
      fc
        .string({ unit: 'grapheme', minLength: 1, maxLength: 12 })
        .filter((s) => !/^[A-Za-z0-9._-]+$/.test(s))
        .map((sku) => ({ text: JSON.stringify({ items: [{ sku, qty: 1 }] }) })),
      fc
        .constantFrom(
          '\\ud800',
          '\\udfff',
          '\\u0000',
          '\\u202e',
          '\\u200b',
          '\\ufeff',
          'caf\\u00e9',
          '\\ud83d\\ude00',
        )
        .map((esc) => ({ text: `{"items":[{"sku":"a${esc}b","qty":1}]}` })),
      fc
        .constantFrom(
          [0xff, 0xfe, 0x7b, 0x7d],
          [0xc0, 0xaf],
          [0xed, 0xa0, 0x80],
          [0xf4, 0x90, 0x80, 0x80],
          [0x7b, 0x22, 0x69, 0x74, 0x65, 0x6d, 0x73, 0x22, 0x3a, 0x80, 0x7d],
          [0x00],
        )
        .map((bytes) => ({ bytes: Buffer.from(bytes) })),
      unknownSku.map((sku) => ({
        bytes: Buffer.concat([
          Buffer.from([0xef, 0xbb, 0xbf]),
          Buffer.from(JSON.stringify({ items: [{ sku, qty: 1 }] })),
        ]),
      })),
      unknownSku.map((sku) => ({
        text: JSON.stringify({ items: [{ sku, qty: 1 }] }).replace('items', 'ıtems'),
      })),
    ),
    key,
  )
  .map(([body, k]) =>
    post(
      'odd unicode and bytes',
      'bytes' in body ? (body.bytes as Buffer) : (body.text as string),
      k,
    ),
  );

/** Printable ISO-8859-1, which Node's HTTP client can send in a header value. */
const latin1 = fc.string({
  unit: fc
    .integer({ min: 0x20, max: 0xff })
    .filter((c) => c !== 0x7f)
    .map((c) => String.fromCharCode(c)),
  minLength: 1,
  maxLength: 40,
});

/** Bad Idempotency-Key and other headers (each request's body is bad too, or its sku unknown). */
const badHeaders = fc
  .tuple(
    fc.oneof(
      fc.constant({ 'idempotency-key': undefined as string | undefined }),
      fc.constant({ 'idempotency-key': '' }),
      fc.integer({ min: 256, max: 8000 }).map((n) => ({ 'idempotency-key': 'k'.repeat(n) })),
      latin1.filter((s) => /[^\x20-\x7e]/.test(s)).map((s) => ({ 'idempotency-key': s })),
      fc.constant({ 'idempotency-key': 'tab\there' }),
      fc
        .tuple(key, latin1)
        .map(([k, junk]) => ({ 'idempotency-key': k, 'x-correlation-id': junk })),
      fc
        .tuple(key, fc.integer({ min: 1000, max: 8000 }))
        .map(([k, n]) => ({ 'idempotency-key': k, 'x-padding': 'p'.repeat(n) })),
      fc
        .tuple(
          key,
          fc.constantFrom(
            'text/plain',
            'application/xml',
            'multipart/form-data; boundary=x',
            '',
            'application/json; charset=latin1',
          ),
        )
        .map(([k, type]) => ({ 'idempotency-key': k, 'content-type': type })),
    ),
    unknownSku,
  )
  .map(([headers, sku]): HostileRequest => {
    const sent: Record<string, string> = { 'content-type': 'application/json' };
    for (const [name, value] of Object.entries(headers))
      if (value !== undefined) sent[name] = value;
    if (!('idempotency-key' in headers)) delete sent['idempotency-key'];
    return {
      category: 'bad or oversized headers',
      method: 'POST',
      path: '/orders',
      headers: sent,
      body: Buffer.from(JSON.stringify({ items: [{ sku, qty: 1 }] })),
    };
  });

/** Ids no order has: too long, unicode, encoded slashes and NULs, dots, almost-ULIDs. */
const badIds = fc
  .tuple(
    fc.oneof(
      fc.string({ minLength: 1, maxLength: 40 }).map(encodeURIComponent),
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 10 }).map(encodeURIComponent),
      fc.integer({ min: 27, max: 2000 }).map((n) => 'A'.repeat(n)),
      fc.constantFrom(
        '..',
        '%2e%2e',
        '%00',
        '%2F',
        'a%2Fb',
        '%252F',
        '01ARZ3NDEKTSV4RRFFQ69G5FA',
        '01arz3ndektsv4rrffq69g5fav',
        '01ARZ3NDEKTSV4RRFFQ69G5FAVX',
        'ILOU0000000000000000000000',
        '%E2%80%AE',
        '%F0%9F%98%80',
        'null',
        'undefined',
        '__proto__',
        'constructor',
      ),
      fc.stringMatching(/^[0-9A-HJKMNP-TV-Z]{26}$/),
    ),
    fc.boolean(),
  )
  .map(
    ([id, events]): HostileRequest => ({
      category: 'bad and unknown order ids',
      method: 'GET',
      path: `/orders/${id}${events ? '/events' : ''}`,
      headers: {},
    }),
  );

/** Methods and paths the API does not serve. */
const badRoutes = fc
  .tuple(
    fc.constantFrom('PUT', 'DELETE', 'PATCH', 'GET', 'POST', 'OPTIONS'),
    fc.constantFrom(
      '/orders',
      '/orders/x/y/z',
      '/',
      '/order',
      '/orders/01ARZ3NDEKTSV4RRFFQ69G5FAV/events/1',
      '/admin',
      '/orders/01ARZ3NDEKTSV4RRFFQ69G5FAV',
    ),
  )
  .filter(
    ([method, path]) =>
      !(method === 'POST' && path === '/orders') &&
      !(method === 'GET' && path === '/orders/01ARZ3NDEKTSV4RRFFQ69G5FAV'),
  )
  .map(
    ([method, path]): HostileRequest => ({
      category: 'unknown methods and paths',
      method,
      path,
      headers: {},
    }),
  );

/** Each category and how many requests of it one run sends. */
export const CATEGORIES: readonly [fc.Arbitrary<HostileRequest>, number][] = [
  [truncatedJson, 200],
  [corruptedJson, 200],
  [wrongTypes, 250],
  [badNumbers, 250],
  [prototypeKeys, 150],
  [deepNesting, 100],
  [oversize, 60],
  [oddUnicode, 250],
  [badHeaders, 250],
  [badIds, 300],
  [badRoutes, 100],
];
