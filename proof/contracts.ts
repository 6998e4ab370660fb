/**
 * Contract checks against the documents in docs/: real HTTP answers against
 * docs/openapi.yaml, real events, commands and replies against docs/asyncapi.yaml.
 *
 * The documents are read once, registered with one Ajv (JSON Schema 2020-12, formats) under
 * a common base URI, so a `$ref` between them (`./schemas/cloudevent.json#/…`) resolves the
 * way it does on disk. Every assertion throws one readable error naming the document part
 * and what did not match. Over 300 lines: one validator per kind of message the documents
 * describe, on one shared Ajv.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AnySchema, ErrorObject, ValidateFunction } from 'ajv';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';

type Json = unknown;
export type JsonObject = Record<string, Json>;

/** The folder of the contract documents. */
const DOCS_DIR = fileURLToPath(new URL('../docs/', import.meta.url));
/** Base URI under which the documents are registered, so relative `$ref`s between them resolve. */
const BASE_URI = 'https://contracts.mini-ec.invalid/docs/';

/** The documents, relative to docs/; each is both a document and a JSON Schema resource. */
export const CONTRACT_FILES = ['openapi.yaml', 'asyncapi.yaml', 'schemas/cloudevent.json'] as const;
export type ContractFile = (typeof CONTRACT_FILES)[number];

function readDocument(file: string): JsonObject {
  const text = readFileSync(`${DOCS_DIR}${file}`, 'utf8');
  const value: Json = file.endsWith('.json') ? JSON.parse(text) : parse(text);
  if (!isObject(value)) throw new Error(`docs/${file} is not an object`);
  return value;
}

/** The parsed documents, read once per process. */
export const documents: Readonly<Record<ContractFile, JsonObject>> = {
  'openapi.yaml': readDocument('openapi.yaml'),
  'asyncapi.yaml': readDocument('asyncapi.yaml'),
  'schemas/cloudevent.json': readDocument('schemas/cloudevent.json'),
};
export const openApiDocument = documents['openapi.yaml'];
export const asyncApiDocument = documents['asyncapi.yaml'];

const DOCUMENT_FIELDS = [
  ...['openapi', 'info', 'jsonSchemaDialect', 'servers', 'paths', 'webhooks', 'components'],
  ...['security', 'tags', 'asyncapi', 'id', 'defaultContentType', 'channels', 'operations'],
];

/** A fresh Ajv 2020 with formats and the vocabulary the documents use besides JSON Schema. */
function newAjv(): Ajv2020.default {
  const ajv = new Ajv2020.default({ allErrors: true, strict: true, strictTypes: false });
  addFormats.default(ajv);
  // OpenAPI 3.1's own schema keywords (OAS "base" vocabulary): annotations for validation.
  ajv.addVocabulary(['discriminator', 'xml', 'externalDocs', 'example']);
  // A document is registered whole as one schema resource, and Ajv looks at its root when a
  // `$ref` points inside it: its top-level fields are declared as (inert) keywords so strict
  // mode still rejects unknown keywords in the schemas themselves.
  ajv.addVocabulary(DOCUMENT_FIELDS.filter((field) => !ajv.getKeyword(field)));
  return ajv;
}

const ajv = newAjv();
for (const file of CONTRACT_FILES) {
  // The whole document is the resource; only the subschemas that tests point at are compiled.
  ajv.addSchema(documents[file] as AnySchema, `${BASE_URI}${file}`, undefined, false);
}
const validators = new Map<string, ValidateFunction>();

/** The compiled validator of the schema at `pointer` (a JSON Pointer) inside `file`. */
export function validatorAt(file: ContractFile, pointer: string): ValidateFunction {
  const ref = `${BASE_URI}${file}#${encodeURI(pointer)}`;
  let validate = validators.get(ref);
  if (!validate) {
    validate = ajv.compile({ $ref: ref });
    validators.set(ref, validate);
  }
  return validate;
}

// ── HTTP ──────────────────────────────────────────────────────────────────────────────

/** An HTTP answer as a test saw it. */
export interface HttpExchange {
  method: string;
  /** The path template of docs/openapi.yaml (`/orders/{id}`), or a concrete path (`/orders/o-1`). */
  path: string;
  status: number;
  headers: Headers | Record<string, string | undefined>;
  /** The parsed JSON body (undefined when the answer had none). */
  body?: unknown;
}

/**
 * Throws unless the answer is one docs/openapi.yaml documents for this operation: its status,
 * its content type, its required headers and the documented headers' values, and its body.
 */
export function assertMatchesOpenApi(exchange: HttpExchange): void {
  const method = exchange.method.toLowerCase();
  const template = pathTemplate(exchange.path);
  const what = `${exchange.method.toUpperCase()} ${template} → ${exchange.status}`;
  const operationPointer = `/paths/${escapePointer(template)}/${method}`;
  const operation = at(openApiDocument, operationPointer);
  if (!isObject(operation)) {
    throw new Error(
      `${what}: docs/openapi.yaml has no operation ${method.toUpperCase()} ${exchange.path}`,
    );
  }
  const responses = isObject(operation.responses) ? operation.responses : {};
  const statusKey = [String(exchange.status), `${String(exchange.status)[0]}XX`, 'default'].find(
    (key) => key in responses,
  );
  if (statusKey === undefined) {
    throw new Error(
      `${what}: status ${exchange.status} is not documented in docs/openapi.yaml (documented: ${Object.keys(responses).join(', ')})`,
    );
  }
  const response = resolveLocal(`${operationPointer}/responses/${statusKey}`);
  const headers = normalizeHeaders(exchange.headers);

  const problems: string[] = [];
  const documentedHeaders = isObject(response.value.headers) ? response.value.headers : {};
  for (const name of Object.keys(documentedHeaders)) {
    const header = resolveLocal(`${response.pointer}/headers/${escapePointer(name)}`);
    const value = headers[name.toLowerCase()];
    if (value === undefined) {
      if (header.value.required === true) problems.push(`header ${name} is missing`);
      continue;
    }
    const validate = validatorAt('openapi.yaml', `${header.pointer}/schema`);
    if (!validate(value)) problems.push(`header ${name}: ${describeErrors(validate.errors)}`);
  }

  const content = isObject(response.value.content) ? response.value.content : undefined;
  if (content === undefined) {
    if (exchange.body !== undefined && exchange.body !== null && exchange.body !== '') {
      problems.push('the answer has a body, but none is documented');
    }
  } else {
    const contentType = (headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    if (!(contentType in content)) {
      problems.push(
        `content-type "${contentType || '(none)'}" is not documented (documented: ${Object.keys(content).join(', ')})`,
      );
    } else {
      const validate = validatorAt(
        'openapi.yaml',
        `${response.pointer}/content/${escapePointer(contentType)}/schema`,
      );
      if (!validate(exchange.body)) problems.push(`body ${describeErrors(validate.errors)}`);
    }
  }
  if (problems.length > 0) {
    throw new Error(
      `${what} does not match docs/openapi.yaml: ${problems.join('; ')}\n  body: ${preview(exchange.body)}`,
    );
  }
}

/** The documented template of a path: itself if documented, else the template it fills in. */
function pathTemplate(path: string): string {
  const templates = Object.keys(isObject(openApiDocument.paths) ? openApiDocument.paths : {});
  if (templates.includes(path)) return path;
  const concrete = path.split('?')[0] ?? path;
  const matches = templates.filter((template) => {
    const pattern = template
      .split(/(\{[^}]+\})/)
      .map((part) => (part.startsWith('{') ? '[^/]+' : part.replace(/[.*+?^$()|[\]\\]/g, '\\$&')))
      .join('');
    return new RegExp(`^${pattern}$`).test(concrete);
  });
  return matches[0] ?? path;
}

// ── Events, commands, replies ────────────────────────────────────────────────────────

interface MessageDoc {
  key: string;
  name: string;
}

function asyncApiMessages(): MessageDoc[] {
  const messages = at(asyncApiDocument, '/components/messages');
  if (!isObject(messages)) return [];
  return Object.entries(messages).flatMap(([key, message]) =>
    isObject(message) && typeof message.name === 'string' ? [{ key, name: message.name }] : [],
  );
}

/** The event types docs/asyncapi.yaml documents (message names that are CloudEvent types). */
export function documentedEventTypes(): string[] {
  return asyncApiMessages()
    .map((m) => m.name)
    .filter((name) => /\.v\d+$/.test(name));
}

/**
 * The CloudEvent sources docs/asyncapi.yaml allows for an event type (its payload's `source`:
 * one `const`, or an `enum` where more than one service writes the type); [] if undocumented.
 */
export function documentedSources(type: string): string[] {
  const message = documentedEventTypes().includes(type) ? messageByName(type) : undefined;
  if (!message) return [];
  const payload = at(
    asyncApiDocument,
    `/components/messages/${escapePointer(message.key)}/payload`,
  );
  const parts = isObject(payload) && Array.isArray(payload.allOf) ? payload.allOf : [payload];
  return parts.flatMap((part) => {
    const source = at(part, '/properties/source');
    if (!isObject(source)) return [];
    if (Array.isArray(source.enum)) return source.enum.map(String);
    return source.const === undefined ? [] : [String(source.const)];
  });
}

function messageByName(name: string): MessageDoc | undefined {
  return asyncApiMessages().find((m) => m.name === name);
}

function assertPayload(message: MessageDoc, payload: unknown, what: string): void {
  const validate = validatorAt(
    'asyncapi.yaml',
    `/components/messages/${escapePointer(message.key)}/payload`,
  );
  if (!validate(payload)) {
    throw new Error(
      `${what} does not match docs/asyncapi.yaml message ${message.key}: ${describeErrors(validate.errors)}\n  payload: ${preview(payload)}`,
    );
  }
}

/**
 * Throws unless `event` is a CloudEvent that matches the AsyncAPI message of its `type`
 * (envelope and `data`); an undocumented type is an error too.
 */
export function assertValidCloudEvent(event: unknown): void {
  const type = isObject(event) ? event.type : undefined;
  if (typeof type !== 'string') {
    throw new Error(`not a CloudEvent (no string "type"): ${preview(event)}`);
  }
  const message = documentedEventTypes().includes(type) ? messageByName(type) : undefined;
  if (!message) {
    throw new Error(
      `event type "${type}" is not documented in docs/asyncapi.yaml (documented: ${documentedEventTypes().join(', ')})`,
    );
  }
  assertPayload(message, event, `event ${type}`);
}

/** An SQS message as a consumer receives it (body text and `String` message attributes). */
export interface QueueMessage {
  body: string;
  messageAttributes: Record<string, { DataType?: string; StringValue?: string } | undefined>;
}

/**
 * Throws unless a message of the events topic or of a consumer's queue carries a valid
 * CloudEvent and the message attributes docs/asyncapi.yaml documents (type, source, id,
 * correlationid: String), equal to the event's own.
 */
export function assertValidQueueMessage(message: QueueMessage): void {
  const event: unknown = JSON.parse(message.body);
  assertValidCloudEvent(event);
  const e = event as JsonObject;
  const expected: Record<string, unknown> = {
    type: e.type,
    source: e.source,
    id: e.id,
    correlationid: e.correlationid,
  };
  const problems = Object.entries(expected).flatMap(([name, value]) => {
    const attribute = message.messageAttributes[name];
    if (!attribute) return [`attribute ${name} is missing`];
    if (attribute.DataType !== 'String') return [`attribute ${name} is not of DataType String`];
    return attribute.StringValue === value
      ? []
      : [`attribute ${name} is "${attribute.StringValue}", the event says "${String(value)}"`];
  });
  if (problems.length > 0) {
    throw new Error(`queue message does not match docs/asyncapi.yaml: ${problems.join('; ')}`);
  }
}

/** Throws unless `payload` is a documented command (`reserve`, `release`, `charge`, `refund`). */
export function assertValidCommand(payload: unknown): void {
  const name = isObject(payload) ? payload.command : undefined;
  const message = typeof name === 'string' ? commandMessage(name) : undefined;
  if (!message) {
    throw new Error(`not a documented command (command "${String(name)}"): ${preview(payload)}`);
  }
  assertPayload(message, payload, `command ${String(name)}`);
}

/** Throws unless `reply` is a documented reply to the command named `command`. */
export function assertValidReply(command: string, reply: unknown): void {
  const operation = commandOperation(command);
  const replyRef = at(operation ?? {}, '/reply/messages/0/$ref');
  if (typeof replyRef !== 'string') {
    throw new Error(`command "${command}" has no documented reply in docs/asyncapi.yaml`);
  }
  const channelMessage = resolveLocal(replyRef.slice(1), asyncApiDocument);
  const key = String(channelMessage.pointer.split('/').pop());
  assertPayload({ key, name: key }, reply, `reply to ${command}`);
}

function commandOperation(command: string): JsonObject | undefined {
  const operations = at(asyncApiDocument, '/operations');
  if (!isObject(operations)) return undefined;
  return Object.values(operations).find((operation): operation is JsonObject => {
    const ref = at(operation, '/messages/0/$ref');
    if (typeof ref !== 'string') return false;
    const message = resolveLocal(ref.slice(1), asyncApiDocument).value;
    return message.name === command && isObject(operation) && isObject(operation.reply);
  });
}

function commandMessage(command: string): MessageDoc | undefined {
  if (!commandOperation(command)) return undefined;
  return messageByName(command);
}

// ── Helpers ───────────────────────────────────────────────────────────────────────────

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** RFC 6901 escaping of one reference token. */
export function escapePointer(token: string): string {
  return token.replaceAll('~', '~0').replaceAll('/', '~1');
}

function unescapePointer(token: string): string {
  return decodeURIComponent(token).replaceAll('~1', '/').replaceAll('~0', '~');
}

/** The value at a JSON Pointer inside `root`, or undefined. */
export function at(root: unknown, pointer: string): unknown {
  if (pointer === '') return root;
  let node: unknown = root;
  for (const token of pointer.split('/').slice(1)) {
    if (Array.isArray(node)) node = node[Number(token)];
    else if (isObject(node)) node = node[unescapePointer(token)];
    else return undefined;
  }
  return node;
}

/**
 * Follows same-document `$ref`s (Reference Objects: responses, headers, messages…) from a
 * pointer, returning the object reached and the pointer where it actually lives.
 */
export function resolveLocal(
  pointer: string,
  root: JsonObject = openApiDocument,
): { value: JsonObject; pointer: string } {
  let current = pointer;
  for (let hops = 0; hops < 20; hops++) {
    const value = at(root, current);
    if (!isObject(value)) throw new Error(`nothing at #${current}`);
    const ref = value.$ref;
    if (typeof ref !== 'string') return { value, pointer: current };
    if (!ref.startsWith('#'))
      throw new Error(`#${current}: only local references are followed (${ref})`);
    current = ref.slice(1);
  }
  throw new Error(`#${pointer}: reference cycle`);
}

function normalizeHeaders(headers: HttpExchange['headers']): Record<string, string> {
  const result: Record<string, string> = {};
  const entries =
    headers instanceof Headers ? [...headers.entries()] : Object.entries(headers ?? {});
  for (const [name, value] of entries) if (value !== undefined) result[name.toLowerCase()] = value;
  return result;
}

function describeErrors(errors: ErrorObject[] | null | undefined): string {
  if (!errors || errors.length === 0) return 'is invalid';
  const lines = errors
    // `allOf`/`oneOf`/`if` summaries repeat what the detailed errors say.
    .filter(
      (e) =>
        !['allOf', 'anyOf', 'oneOf', 'if', 'propertyNames'].includes(e.keyword) ||
        errors.length === 1,
    )
    .map((e) => {
      const where =
        (e.instancePath || '(root)') +
        (e.propertyName === undefined ? '' : ` property name "${e.propertyName}"`);
      const extra =
        e.keyword === 'additionalProperties'
          ? ` "${String((e.params as { additionalProperty?: string }).additionalProperty)}"`
          : e.keyword === 'enum' || e.keyword === 'const'
            ? ` ${JSON.stringify((e.params as { allowedValues?: unknown; allowedValue?: unknown }).allowedValues ?? (e.params as { allowedValue?: unknown }).allowedValue)}`
            : '';
      return `${where} ${e.message ?? e.keyword}${extra}`;
    });
  return [...new Set(lines)].join('; ');
}

function preview(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) return String(value);
  return text.length > 400 ? `${text.slice(0, 400)}…` : text;
}
