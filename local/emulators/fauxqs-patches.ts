/**
 * Two patches of fauxqs 1.9.2's (unexported) SqsQueue, so its receives behave as SQS's do:
 * a long poll wakes when a delayed or in-flight message's deadline passes (not only when a
 * message is sent), and a standard queue wakes one waiting receive per message rather than
 * every one (the others would answer empty at once; SQS never answers a long poll empty before
 * its wait time). They rely on fauxqs's internals and throw when those are gone.
 */

/** The fields of fauxqs's (unexported) SqsQueue that hold messages with a deadline. */
export interface TimedQueue {
  inflightMessages: Map<string, { visibilityDeadline: number }>;
  delayedMessages: Array<{ delayUntil?: number }>;
  fifoDelayed: Map<string, Array<{ delayUntil?: number }>>;
  /** The visible messages of a standard queue. */
  messages: unknown[];
  pollWaiters: Array<{ resolve(): void; timer: ReturnType<typeof setTimeout> }>;
  isFifo(): boolean;
  notifyWaiters(): void;
  pollTimer?: ReturnType<typeof setTimeout>;
  processTimers(): void;
  startPollTimerIfNeeded(): void;
  stopPollTimerIfEmpty(): void;
}

/** The earliest time a delayed message becomes visible or an in-flight one visible again. */
function nextDeadline(queue: TimedQueue): number | undefined {
  let next = Number.POSITIVE_INFINITY;
  for (const entry of queue.inflightMessages.values())
    next = Math.min(next, entry.visibilityDeadline);
  for (const message of queue.delayedMessages) next = Math.min(next, message.delayUntil ?? 0);
  for (const group of queue.fifoDelayed.values())
    for (const message of group) next = Math.min(next, message.delayUntil ?? 0);
  return Number.isFinite(next) ? next : undefined;
}

/** (Re)arms one timer at the queue's next deadline while a receive waits; none otherwise. */
function armDeadlineTimer(queue: TimedQueue): void {
  if (queue.pollTimer) clearTimeout(queue.pollTimer);
  queue.pollTimer = undefined;
  if (queue.pollWaiters.length === 0) return;
  const next = nextDeadline(queue);
  if (next === undefined) return;
  queue.pollTimer = setTimeout(
    () => {
      queue.pollTimer = undefined;
      queue.processTimers(); // wakes the waiters when a message became visible
      armDeadlineTimer(queue);
    },
    Math.max(0, next - Date.now() + 1),
  );
}

/**
 * fauxqs re-checks every queue with a waiting receive every 20 ms (a `setInterval` for as
 * long as a long poll lasts: 50 wake-ups a second per poller, most of an idle local cloud's
 * CPU). The same semantics with one timer at the next deadline: a waiting receive is woken
 * when a message arrives (fauxqs does that itself), when a delayed message's delay ends or
 * when an in-flight message's visibility timeout expires. Every method that sets a deadline
 * re-arms the timer.
 */
function wakeAtDeadlines(prototype: TimedQueue & Record<string, unknown>): void {
  prototype.startPollTimerIfNeeded = function (this: TimedQueue) {
    armDeadlineTimer(this);
  };
  prototype.stopPollTimerIfEmpty = function (this: TimedQueue) {
    if (this.pollWaiters.length === 0 && this.pollTimer) {
      clearTimeout(this.pollTimer);
      this.pollTimer = undefined;
    }
  };
  for (const name of ['enqueue', 'dequeue', 'dequeueFifo', 'changeVisibility']) {
    const original = prototype[name];
    if (typeof original !== 'function')
      throw new Error(`fauxqs: SqsQueue.${name} is gone (fauxqs changed; see fauxqs.ts)`);
    prototype[name] = function (this: TimedQueue, ...args: unknown[]) {
      const result = (original as (...a: unknown[]) => unknown).apply(this, args);
      if (this.pollWaiters.length > 0) armDeadlineTimer(this);
      return result;
    };
  }
}

/** A standard queue's waiting receive that was woken and has not taken its messages yet. */
interface WakingQueue extends TimedQueue {
  wokenReceive?: boolean;
  dequeuing?: boolean;
}

/**
 * fauxqs wakes every waiting receive of a queue when a message becomes visible, and all but
 * the first then answer empty long before their wait time is over, which SQS does not do (a
 * long poll answers once it has messages, or when its wait time ends). With the orders queue's
 * five pollers that was up to one empty ReceiveMessage per order, each a request the poller
 * sends again at once. On a standard queue one waiting receive is woken at a time: the next
 * one once it has taken its messages, if some are still visible (a FIFO queue keeps fauxqs's
 * own rule).
 */
function wakeOneReceivePerMessage(prototype: TimedQueue & Record<string, unknown>): void {
  const notify = prototype.notifyWaiters;
  const dequeue = prototype.dequeue;
  if (typeof notify !== 'function' || typeof dequeue !== 'function')
    throw new Error(
      'fauxqs: SqsQueue.notifyWaiters or dequeue is gone (fauxqs changed; see fauxqs.ts)',
    );
  prototype.notifyWaiters = function (this: WakingQueue) {
    if (this.isFifo()) return notify.call(this);
    // A receive taking messages now wakes the next one when it is done (see dequeue).
    if (this.dequeuing || this.wokenReceive || this.messages.length === 0) return;
    const waiter = this.pollWaiters.shift();
    if (!waiter) return;
    this.wokenReceive = true;
    clearTimeout(waiter.timer);
    waiter.resolve();
  };
  prototype.dequeue = function (this: WakingQueue, ...args: unknown[]) {
    if (this.isFifo()) return (dequeue as (...a: unknown[]) => unknown).apply(this, args);
    this.wokenReceive = false;
    this.dequeuing = true;
    try {
      return (dequeue as (...a: unknown[]) => unknown).apply(this, args);
    } finally {
      this.dequeuing = false;
      this.notifyWaiters();
    }
  };
}

const patched = new WeakSet<object>();

/** fauxqs's SqsQueue with both patches above, applied once per process (clouds share the class). */
export function patchQueues(prototype: TimedQueue & Record<string, unknown>): void {
  if (patched.has(prototype)) return;
  patched.add(prototype);
  wakeAtDeadlines(prototype);
  wakeOneReceivePerMessage(prototype);
}
