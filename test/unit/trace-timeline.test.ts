import { describe, expect, it } from 'vitest';
import { renderTrace } from '../../cli/trace/render.js';
import { buildTimeline, type RawLogLine, requestIdsAbout } from '../../cli/trace/timeline.js';

const ORDER = '01M91CVCEAC65K03HX5KBFYYA7';
const OTHER = '01M91CVCEAC65K03HX5KBFYYB8';
const CID = 'cid-unit-1';
const at = (ms: number) => new Date(Date.UTC(2026, 11, 4, 20, 0, 0, ms)).toISOString();

/** A Powertools line of `service` in invocation `requestId`. */
function line(
  source: string,
  service: string,
  requestId: string,
  ms: number,
  message: string,
  extra: Record<string, unknown> = {},
): RawLogLine {
  return {
    source,
    text: JSON.stringify({
      level: 'INFO',
      message,
      timestamp: at(ms),
      service,
      cold_start: false,
      function_request_id: requestId,
      correlation_id: CID,
      order_id: ORDER,
      ...extra,
    }),
  };
}

/** Lambda's platform.report line of an invocation that ended at `endMs` after `durationMs`. */
function report(
  source: string,
  requestId: string,
  endMs: number,
  durationMs: number,
  status = 'success',
  initMs?: number,
): RawLogLine {
  return {
    source,
    text: JSON.stringify({
      time: at(endMs),
      type: 'platform.report',
      record: {
        requestId,
        metrics: {
          durationMs,
          billedDurationMs: Math.ceil(durationMs),
          memorySizeMB: 256,
          ...(initMs ? { initDurationMs: initMs } : {}),
        },
        status,
      },
    }),
  };
}

/** One order's path: api → (stream) relay → (queue) worker → inventory → worker → payment → worker. */
const PATH: RawLogLine[] = [
  line('ApiFn', 'api', 'r-api', 40, 'order accepted'),
  report('ApiFn', 'r-api', 41, 41, 'success', 66),
  report('RelayFn', 'r-relay', 152, 16.3),
  line('RelayFn', 'outbox-relay', 'r-relay', 152, 'event relayed', {
    eventType: 'order.placed.v1',
  }),
  line('InvFn', 'inventory', 'r-inv', 232, 'reserve: RESERVED'),
  report('InvFn', 'r-inv', 233, 40),
  line('WorkerFn', 'worker', 'r-w', 237, 'reserve: RESERVED'),
  line('PayFn', 'payment', 'r-pay', 300, 'charge: CHARGED'),
  report('PayFn', 'r-pay', 301, 30.2),
  line('WorkerFn', 'worker', 'r-w', 305, 'order CONFIRMED'),
  report('WorkerFn', 'r-w', 306, 155),
  // The same worker invocation served another order of the batch: not this order's.
  {
    source: 'WorkerFn',
    text: JSON.stringify({
      level: 'INFO',
      message: 'order CONFIRMED',
      timestamp: at(290),
      service: 'worker',
      function_request_id: 'r-w',
      correlation_id: 'cid-other',
      order_id: OTHER,
    }),
  },
  // A line of the api's invocation before the order had an ID (no order_id, same correlation).
  {
    source: 'ApiFn',
    text: JSON.stringify({
      level: 'DEBUG',
      message: 'request read',
      timestamp: at(5),
      service: 'api',
      function_request_id: 'r-api',
      correlation_id: CID,
    }),
  },
  { source: 'ApiFn', text: 'not JSON at all' },
];

describe('buildTimeline', () => {
  it("puts an order's lines and its invocations' bounds in time order, by order ID or correlation ID", () => {
    for (const id of [ORDER, CID]) {
      const timeline = buildTimeline(PATH, id);
      expect(timeline.entries.map((e) => `${e.function} ${e.level} ${e.message}`)).toEqual([
        'api START invocation (cold start, init 66 ms)',
        'api DEBUG request read',
        'api INFO order accepted',
        'api END 41.0 ms (billed 41 ms)',
        'outbox-relay START invocation',
        'worker START invocation',
        'outbox-relay INFO event relayed',
        'outbox-relay END 16.3 ms (billed 17 ms)',
        'inventory START invocation',
        'inventory INFO reserve: RESERVED',
        'inventory END 40.0 ms (billed 40 ms)',
        'worker INFO reserve: RESERVED',
        'payment START invocation',
        'payment INFO charge: CHARGED',
        'payment END 30.2 ms (billed 31 ms)',
        'worker INFO order CONFIRMED',
        'worker END 155.0 ms (billed 155 ms)',
      ]);
      expect(timeline.entries[0]?.offsetMs).toBe(0);
      expect(timeline.entries.at(-1)?.offsetMs).toBe(306);
      expect(timeline.orderIds).toEqual([ORDER]);
      expect(timeline.correlationIds).toEqual([CID]);
      expect(timeline.functions).toEqual(['api', 'outbox-relay', 'worker', 'inventory', 'payment']);
      expect(timeline.counts).toEqual({
        lines: 7,
        invocations: 5,
        errors: 0,
        warnings: 0,
        retries: 0,
      });
    }
  });

  it('measures the hops: stream and queue from the end of the cause, calls from the caller and back', () => {
    const hops = buildTimeline(PATH, ORDER).hops.map((h) => `${h.from} → ${h.to} ${h.ms}`);
    expect(hops).toEqual([
      'api → outbox-relay 95', // api END at 41, relay START at 152 - 16.3 ≈ 136
      'outbox-relay → worker 15', // relay running (started 136), worker START at 306 - 155 = 151
      'worker → inventory 42', // worker START 151 → inventory START 193
      'inventory → worker 4', // inventory END 233 → worker 237
      'worker → payment 34', // worker 237 → payment START 301 - round(30.2) = 271
      'payment → worker 4', // payment END 301 → worker 305
    ]);
  });

  it('flags error lines, failed invocations and retried attempts', () => {
    const lines = [
      line('WorkerFn', 'worker', 'r-1', 10, 'saga attempt failed; retrying later', {
        level: 'WARN',
        attempt: 1,
        error: { name: 'TransientError', message: 'inventory timed out' },
      }),
      report('WorkerFn', 'r-1', 20, 15, 'error'),
      line('WorkerFn', 'worker', 'r-2', 4010, 'saga done: CONFIRMED', { attempt: 2 }),
      line('InvFn', 'inventory', 'r-3', 4005, 'boom', { level: 'ERROR' }),
    ];
    const timeline = buildTimeline(lines, ORDER);
    const byMessage = Object.fromEntries(timeline.entries.map((e) => [e.message, e]));
    expect(byMessage['saga attempt failed; retrying later (inventory timed out)']).toMatchObject({
      level: 'WARN',
      retry: true,
      error: false,
    });
    expect(byMessage['error: 15.0 ms (billed 15 ms)']).toMatchObject({ kind: 'end', error: true });
    expect(byMessage['saga done: CONFIRMED']).toMatchObject({ retry: true });
    expect(byMessage.boom).toMatchObject({ error: true });
    expect(timeline.counts).toMatchObject({ errors: 2, warnings: 1, retries: 2 });
  });

  it('names functions by source when told, and finds nothing for an ID no line carries', () => {
    const named = buildTimeline(PATH, ORDER, new Map([['ApiFn', 'the-api']]));
    expect(named.functions[0]).toBe('the-api');
    const none = buildTimeline(PATH, 'cid-nobody');
    expect(none.entries).toEqual([]);
    expect(none.hops).toEqual([]);
    // A line that only mentions the ID in its message is not about the order.
    const mention = buildTimeline(
      [{ source: 'x', text: JSON.stringify({ message: `look: ${ORDER}` }) }],
      ORDER,
    );
    expect(mention.entries).toEqual([]);
  });

  it('lists the request IDs of the invocations that wrote about the ID', () => {
    expect(requestIdsAbout(PATH, ORDER).sort()).toEqual([
      'r-api',
      'r-inv',
      'r-pay',
      'r-relay',
      'r-w',
    ]);
    expect(requestIdsAbout(PATH, OTHER)).toEqual(['r-w']);
  });

  it('renders errors and retries with a mark, hops between rows, and the events', () => {
    const timeline = buildTimeline(PATH, ORDER);
    const text = renderTrace(timeline, [
      {
        orderId: ORDER,
        status: 'CONFIRMED',
        events: [
          {
            id: 'e1',
            type: 'order.placed.v1',
            source: 'mini-ec/api',
            time: at(20),
            correlationid: CID,
            data: {},
          },
        ],
      },
    ]);
    expect(text[0]).toBe(`trace of ${ORDER}: ${ORDER} CONFIRMED  correlation ${CID}`);
    expect(text).toContain('                       ↓ 95 ms  api → outbox-relay');
    expect(
      text.some((l) => /outbox-relay\s+INFO\s+event relayed eventType=order\.placed\.v1$/.test(l)),
    ).toBe(true);
    expect(
      text.some((l) => /^\s+20:00:00\.020\s+20\s+order\.placed\.v1\s+mini-ec\/api$/.test(l)),
    ).toBe(true);
    const failing = buildTimeline(
      [
        line('W', 'worker', 'r', 1, 'boom', { level: 'ERROR' }),
        line('W', 'worker', 'r2', 2, 'again', { attempt: 3 }),
      ],
      ORDER,
    );
    const rows = renderTrace(failing, []).filter((l) => l.includes('boom') || l.includes('again'));
    expect(rows.map((l) => l[0])).toEqual(['✗', '↻']);
  });
});
