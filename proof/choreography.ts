/**
 * The choreography map — who writes each event, which queue's subscription takes it, and which
 * function reacts to it — read from docs/asyncapi.yaml: the operations that record events in an
 * outbox (`x-outbox`, by the function `x-function`), the SNS consumers (filter policy on `type`
 * and `source`) of the operation that relays them to the events topic, and the operations that
 * receive each type from each queue (`x-function`). README.md holds a copy between
 * `<!-- choreography-map -->` markers (npm run docs:map).
 */
import { isObject, type JsonObject } from './contracts.js';

/** One function's reaction to an event on a queue: the receiving operation. */
interface Reaction {
  readonly function: string;
  /** The operation's title (what the function does with it). */
  readonly does: string;
}

/** One row of the map: an event as one service writes it, and every queue and function it reaches. */
export interface EventRoute {
  readonly type: string;
  /** The CloudEvent `source` of the event: `mini-ec/` and the function that writes it. */
  readonly source: string;
  readonly writtenBy: string;
  /** The table whose outbox holds it (the stream the relay reads). */
  readonly outbox: string;
  readonly relayedBy: string;
  /** Each queue whose subscription takes the type from that source, and who reacts to it there. */
  readonly consumers: readonly { queue: string; reactions: readonly Reaction[] }[];
}

/** The value when it is an object, else an empty one (the document's optional parts). */
const object = (value: unknown): JsonObject => (isObject(value) ? value : {});
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
/** The last segment of a local `$ref` (`#/channels/orderEvents` → orderEvents). */
const refName = (value: unknown): string =>
  String(object(value).$ref ?? '')
    .split('/')
    .pop() ?? '';

/** The CloudEvent `source` of the events a function writes. */
export const sourceOf = (fn: string): string => `mini-ec/${fn}`;

/**
 * Whether an SNS filter policy (attribute scope, exact string matches: the only form the stack
 * uses) takes a message with these attributes: every attribute it names must be one it lists.
 */
export function filterTakes(
  filterPolicy: unknown,
  attributes: Readonly<Record<string, string>>,
): boolean {
  return Object.entries(object(filterPolicy)).every(([name, allowed]) => {
    if (!Array.isArray(allowed) || !allowed.every((v) => typeof v === 'string')) {
      throw new Error(`filter policy on "${name}": only lists of exact strings are supported`);
    }
    const value = attributes[name];
    return value !== undefined && allowed.includes(value);
  });
}

/** The document's operations, in document order. */
const operationsOf = (asyncApi: JsonObject): JsonObject[] =>
  Object.values(object(asyncApi.operations)).map(object);

/** The names (`name`) of the component messages an operation sends or receives. */
export function operationMessageNames(asyncApi: JsonObject, operation: JsonObject): string[] {
  const channel = object(object(asyncApi.channels)[refName(operation.channel)]);
  const messages = object(object(asyncApi.components).messages);
  return list(operation.messages).map((ref) => {
    const channelMessage = object(channel.messages)[refName(ref)];
    return String(object(messages[refName(channelMessage)]).name);
  });
}

/** The channel (its key) whose SQS binding names this queue. */
export function queueChannel(asyncApi: JsonObject, queueName: string): string | undefined {
  return Object.entries(object(asyncApi.channels)).find(
    ([, c]) => object(object(object(object(c).bindings).sqs).queue).name === queueName,
  )?.[0];
}

/** The operation that relays the outboxes to the topic: the one whose SNS binding has consumers. */
function relayOperation(asyncApi: JsonObject): JsonObject | undefined {
  return operationsOf(asyncApi).find(
    (op) => op.action === 'send' && list(object(object(op.bindings).sns).consumers).length > 0,
  );
}

/** The SNS consumers (subscriptions) of the relay operation. */
export function topicConsumers(asyncApi: JsonObject): JsonObject[] {
  return list(object(object(relayOperation(asyncApi)?.bindings).sns).consumers).map(object);
}

/** The routes of every event the document's outbox operations record, in document order. */
export function eventRoutes(asyncApi: JsonObject): EventRoute[] {
  const operations = operationsOf(asyncApi);
  const relay = relayOperation(asyncApi);
  /** Who receives `type` from the queue `queueName`: the operations on its channel that take it. */
  const reactionsTo = (queueName: string, type: string): Reaction[] => {
    const channel = queueChannel(asyncApi, queueName);
    return operations
      .filter(
        (op) =>
          op.action === 'receive' &&
          refName(op.channel) === channel &&
          operationMessageNames(asyncApi, op).includes(type),
      )
      .map((op) => ({ function: String(op['x-function'] ?? '?'), does: String(op.title ?? '') }));
  };
  const routes: EventRoute[] = [];
  for (const op of operations) {
    if (op.action !== 'send' || typeof op['x-outbox'] !== 'string') continue;
    const writtenBy = String(op['x-function'] ?? '?');
    const source = sourceOf(writtenBy);
    for (const type of operationMessageNames(asyncApi, op)) {
      routes.push({
        type,
        source,
        writtenBy,
        outbox: op['x-outbox'],
        relayedBy: String(relay?.['x-function'] ?? '?'),
        consumers: topicConsumers(asyncApi)
          .filter((c) => filterTakes(c.filterPolicy, { type, source }))
          .map((c) => {
            const queue = String(object(c.endpoint).name);
            return { queue, reactions: reactionsTo(queue, type) };
          }),
      });
    }
  }
  return routes;
}

/** The map as a Markdown table (what README.md shows). */
export function choreographyMap(asyncApi: JsonObject): string {
  const rows = eventRoutes(asyncApi).map((r) => {
    const reaches = r.consumers.length
      ? r.consumers
          .map(
            (c) =>
              `${c.queue} → ${c.reactions.map((x) => `${x.function} (${lowerFirst(x.does)})`).join(', ')}`,
          )
          .join('; ')
      : '— (on the timeline only)';
    return `| \`${r.type}\` | ${r.writtenBy} (${r.outbox}) | ${r.relayedBy} → events topic | ${reaches} |`;
  });
  return [
    '| event | written by (its outbox) | published by | queue (its filter takes the type from that writer) → who reacts |',
    '|---|---|---|---|',
    ...rows,
  ].join('\n');
}

const lowerFirst = (text: string): string => text.charAt(0).toLowerCase() + text.slice(1);

const MAP_START = '<!-- choreography-map -->';
const MAP_END = '<!-- /choreography-map -->';

/**
 * The README with the generated map between its `<!-- choreography-map -->` and
 * `<!-- /choreography-map -->` markers (equal to `readme` when its copy is current); throws when
 * the markers are missing.
 */
export function readmeWithMap(readme: string, asyncApi: JsonObject): string {
  const from = readme.indexOf(MAP_START);
  const to = readme.indexOf(MAP_END);
  if (from < 0 || to < from) throw new Error(`README.md has no ${MAP_START} … ${MAP_END} section`);
  return `${readme.slice(0, from + MAP_START.length)}\n${choreographyMap(asyncApi)}\n${readme.slice(to)}`;
}
