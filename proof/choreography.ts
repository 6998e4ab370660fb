/**
 * The choreography map — who writes each event, which queue's subscription takes it, and which
 * function reacts to it — read from docs/asyncapi.yaml: each event message's `source` (the
 * service whose outbox writes it), the SNS consumers (filter policy on `type`) of the operations
 * that send to the events topic, and the operations that receive from each queue (`x-function`).
 * README.md holds a copy between `<!-- choreography-map -->` markers (npm run docs:map).
 */
import { isObject, type JsonObject } from './contracts.js';

/** One row of the map: an event and every queue and function it reaches. */
export interface EventRoute {
  readonly type: string;
  /** The CloudEvent `source` of the type: the service that writes it in its outbox. */
  readonly writtenBy: string;
  readonly relayedBy: string;
  /** Each queue whose subscription takes the type, and the functions that receive from it. */
  readonly consumers: readonly { queue: string; functions: readonly string[] }[];
}

/** The value when it is an object, else an empty one (the document's optional parts). */
const object = (value: unknown): JsonObject => (isObject(value) ? value : {});
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
/** The last segment of a local `$ref` (`#/channels/orderEvents` → orderEvents). */
const refName = (value: unknown): string =>
  String(object(value).$ref ?? '')
    .split('/')
    .pop() ?? '';

/** The routes of every event type the document's topic operations send, in document order. */
export function eventRoutes(asyncApi: JsonObject): EventRoute[] {
  const channels = object(asyncApi.channels);
  const operations = Object.values(object(asyncApi.operations)).map(object);
  const messages = object(object(asyncApi.components).messages);
  /** The functions that receive from a queue, by the queue's name in its SQS binding. */
  const receiversOf = (queueName: string): string[] => {
    const channel = Object.entries(channels).find(
      ([, c]) => object(object(object(object(c).bindings).sqs).queue).name === queueName,
    )?.[0];
    return operations
      .filter((op) => op.action === 'receive' && refName(op.channel) === channel)
      .map((op) => String(op['x-function'] ?? '?'));
  };
  const routes: EventRoute[] = [];
  for (const op of operations) {
    const consumers = list(object(object(op.bindings).sns).consumers).map(object);
    if (op.action !== 'send' || consumers.length === 0) continue;
    const channelMessages = object(object(channels[refName(op.channel)]).messages);
    for (const ref of list(op.messages)) {
      const message = object(messages[refName(channelMessages[refName(ref)])]);
      const type = String(message.name);
      const payload = object(list(object(message.payload).allOf)[1]);
      const source = object(object(payload.properties).source).const;
      routes.push({
        type,
        writtenBy: String(source ?? '?').replace(/^mini-ec\//, ''),
        relayedBy: String(op['x-function'] ?? '?'),
        consumers: consumers
          .filter((c) => list(object(c.filterPolicy).type).includes(type))
          .map((c) => {
            const queue = String(object(c.endpoint).name);
            return { queue, functions: receiversOf(queue) };
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
      ? r.consumers.map((c) => `${c.queue} → ${c.functions.join(', ')}`).join('; ')
      : '— (on the timeline only)';
    return `| \`${r.type}\` | ${r.writtenBy} | ${r.relayedBy} → events topic | ${reaches} |`;
  });
  return [
    '| event | written by (its outbox) | published by | queue (its filter takes the type) → consumer |',
    '|---|---|---|---|',
    ...rows,
  ].join('\n');
}

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
