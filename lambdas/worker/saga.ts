/**
 * The order saga: reserve → charge → confirm. Permanent refusals end the order FAILED after
 * compensating; a transient failure is retried later (the caller's backoff), except on the
 * last allowed attempt, which compensates and ends the order FAILED (GAVE_UP) so no order
 * stays PENDING forever.
 *
 * Deliveries of one order may run at the same time (the relay can send an event twice) and
 * need no lock: reserve and charge are idempotent per order, the final write is conditional on
 * PENDING, and a delivery marks the order failing (startFailing) before it compensates, after
 * which no delivery can confirm it and every later one compensates the same way.
 *
 * The first receive of a message goes forward without reading the order (nearly always it is
 * PENDING and untouched: one request less per order). When it was not — a second copy of the
 * event, after the order was finished or while another delivery fails it — the final write's
 * condition says so, and the delivery then reads the order and settles by it: nothing more
 * for a CONFIRMED order, the same compensations for a failing one, and for a FAILED (or
 * missing) order it gives back what it reserved and charged itself.
 *
 * Over 300 lines because it is one state machine (forward, plan a failure, compensate, settle
 * a lost confirm) whose steps share the run's state; split, each part would need all of it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  buildEvent,
  type CloudEvent,
  EVENT_SOURCES,
  type EventData,
  type EventType,
} from '../shared/events.js';
import type { Log } from '../shared/powertools.js';
import {
  type Decision,
  decideAfterCharge,
  decideAfterReserve,
  type FailPlan,
  GIVE_UP,
  type PlacedOrder,
} from './domain.js';
import { CompensationFailedError, TransientError } from './errors.js';
import type { ParticipantsPort, SagaOrderStore } from './ports.js';

/** One delivery of an order.placed.v1 event. */
export interface SagaInput {
  order: PlacedOrder;
  correlationId: string;
  sagaId: string;
  /** True on the last receive the queue allows: a transient failure then gives up. */
  lastAttempt: boolean;
  /** True on the first receive of the message: go forward without reading the order first. */
  firstReceive?: boolean;
  /**
   * Epoch ms until which compensations may keep retrying in this invocation (what is left of
   * the function's time, less a margin); without it, `compensationAttempts` bounds them.
   */
  deadlineMs?: number;
}

/** How the delivery ended. SKIPPED: the order was not PENDING (or missing): nothing repeated. */
export type SagaOutcome =
  | { result: 'CONFIRMED' }
  | { result: 'FAILED'; reason: string }
  | { result: 'SKIPPED'; status: string };

/** Where the forward path ends: confirm, or fail with compensations. */
type Outcome = Exclude<Decision, { next: 'charge' }>;

/** What one run learned on its way: the payment (for the compensation events), the steps' events. */
interface RunState {
  paymentId?: string;
  steps: CloudEvent[];
}

/**
 * Tuning of in-process compensation retries. Compensations must not give up lightly: on the
 * last attempt a failed compensation sends the message to the DLQ and leaves the order PENDING,
 * so they are retried (backoff doubling, capped at 1 s) for as long as the invocation's
 * deadline allows, or `compensationAttempts` times when the input has no deadline.
 */
export interface SagaOptions {
  compensationAttempts: number;
  compensationBackoffMs: number;
}

const COMPENSATION_BACKOFF_CAP_MS = 1_000;

/** Runs the saga of one order over the participants and the orders table. */
export class OrderSaga {
  constructor(
    private readonly participants: ParticipantsPort,
    private readonly store: SagaOrderStore,
    private readonly options: SagaOptions = { compensationAttempts: 8, compensationBackoffMs: 100 },
  ) {}

  /** Runs (or resumes) the saga of the order; throws TransientError when it should be retried later. */
  async run(input: SagaInput, log: Log): Promise<SagaOutcome> {
    const { orderId } = input.order;
    const state: RunState = { steps: [] };
    if (!input.firstReceive) {
      const current = await this.store.getOrder(orderId);
      if (current?.status !== 'PENDING') {
        const status = current?.status ?? 'MISSING';
        log.info(`order is ${status}: nothing to do`, { status });
        return { result: 'SKIPPED', status };
      }
      if (current.failing) {
        log.info('an earlier delivery started failing the order: compensating', {
          plan: current.failing,
        });
        return this.fail(input, state, current.failing, log);
      }
    }
    let decision: Outcome;
    try {
      decision = await this.forward(input, state, log);
    } catch (error) {
      if (!(error instanceof TransientError) || !input.lastAttempt) throw error;
      log.warn('last attempt failed transiently: compensating and giving up', { error });
      decision = GIVE_UP;
    }
    if (decision.next === 'confirm') return this.confirm(input, state, log);
    const held = await this.planFailure(orderId, decision, state, log);
    if ('status' in held) return { result: 'SKIPPED', status: held.status };
    return this.fail(input, state, held.plan, log);
  }

  /**
   * The plan that holds for failing the order: with something to undo, the steps so far are
   * recorded (a delivery that resumes the plan skips them) and the order is marked failing
   * first, or an earlier mark is adopted; the order's status when it was finished meanwhile.
   */
  private async planFailure(
    orderId: string,
    { reason, compensate }: FailPlan,
    state: RunState,
    log: Log,
  ): Promise<{ plan: FailPlan } | { status: string }> {
    if (compensate.length === 0) return { plan: { reason, compensate } };
    await this.store.recordSteps(state.steps.splice(0));
    const held = await this.store.startFailing(orderId, { reason, compensate });
    if ('status' in held)
      log.info(
        `order was finished meanwhile by another delivery (${held.status}): nothing to undo`,
        {
          status: held.status,
        },
      );
    return held;
  }

  /** reserve → charge; the decision to confirm or to fail. */
  private async forward(input: SagaInput, state: RunState, log: Log): Promise<Outcome> {
    const { order, correlationId } = input;
    const reserved = await this.participants.inventory({
      command: 'reserve',
      orderId: order.orderId,
      items: order.items,
      correlationId,
    });
    log.info(`reserve: ${reserved.outcome}`, { reply: reserved });
    const afterReserve = decideAfterReserve(reserved);
    if (afterReserve.next !== 'charge') return afterReserve;
    this.record(input, state, 'inventory.reserved.v1', { orderId: order.orderId });

    const charged = await this.participants.payment({
      command: 'charge',
      orderId: order.orderId,
      amount: order.total,
      currency: order.currency,
      correlationId,
    });
    log.info(`charge: ${charged.outcome}`, { reply: charged });
    const afterCharge = decideAfterCharge(charged);
    if (afterCharge.next === 'confirm') {
      this.record(input, state, 'payment.charged.v1', {
        orderId: order.orderId,
        paymentId: afterCharge.paymentId,
        amount: order.total,
        currency: order.currency,
      });
      state.paymentId = afterCharge.paymentId;
    }
    return afterCharge;
  }

  private async confirm(input: SagaInput, state: RunState, log: Log): Promise<SagaOutcome> {
    const { order } = input;
    const event = this.event(input, 'order.confirmed.v1', {
      orderId: order.orderId,
      total: order.total,
      currency: order.currency,
      items: order.items,
      noShip: order.noShip,
    });
    const changed = await this.store.finish(order.orderId, {
      status: 'CONFIRMED',
      event,
      steps: state.steps,
    });
    if (changed) {
      log.info('order CONFIRMED');
      return { result: 'CONFIRMED' };
    }
    return this.settleUnconfirmed(input, state, log);
  }

  /**
   * The order could not be confirmed (no longer PENDING, or failing): another delivery got
   * there first, and what it did decides what this one still owes.
   */
  private async settleUnconfirmed(
    input: SagaInput,
    state: RunState,
    log: Log,
  ): Promise<SagaOutcome> {
    const current = await this.store.getOrder(input.order.orderId);
    const status = current?.status ?? 'MISSING';
    if (status === 'CONFIRMED') {
      log.info('order was confirmed meanwhile by another delivery');
      return { result: 'CONFIRMED' };
    }
    if (current?.failing) {
      log.info('another delivery started failing the order: compensating', {
        plan: current.failing,
      });
      return this.fail(input, state, current.failing, log);
    }
    if (status === 'PENDING')
      throw new TransientError('the order stayed PENDING but could not be confirmed');
    // FAILED (or gone) while this delivery reserved and charged: it gives both back.
    log.warn(`order is ${status}: giving back what this delivery reserved and charged`, { status });
    await this.fail(input, state, GIVE_UP, log);
    return { result: 'SKIPPED', status };
  }

  private async fail(
    input: SagaInput,
    state: RunState,
    { reason, compensate }: FailPlan,
    log: Log,
  ): Promise<SagaOutcome> {
    const { order, correlationId } = input;
    for (const step of compensate) {
      if (step === 'refund') {
        const reply = await this.compensate(
          () =>
            this.participants.payment({ command: 'refund', orderId: order.orderId, correlationId }),
          'refund',
          log,
          input.deadlineMs,
        );
        log.info(`refund: ${reply.outcome}`, { reply });
        const { paymentId } = state;
        this.record(input, state, 'payment.refunded.v1', {
          orderId: order.orderId,
          ...(paymentId ? { paymentId } : {}),
        });
      } else {
        const reply = await this.compensate(
          () =>
            this.participants.inventory({
              command: 'release',
              orderId: order.orderId,
              correlationId,
            }),
          'release',
          log,
          input.deadlineMs,
        );
        log.info(`release: ${reply.outcome}`, { reply });
        this.record(input, state, 'inventory.released.v1', { orderId: order.orderId });
      }
    }
    const event = this.event(input, 'order.failed.v1', { orderId: order.orderId, reason });
    const changed = await this.store.finish(order.orderId, {
      status: 'FAILED',
      reason,
      event,
      steps: state.steps,
    });
    log.info(
      changed ? `order FAILED: ${reason}` : 'order was finished meanwhile by another delivery',
      { reason },
    );
    return { result: 'FAILED', reason };
  }

  /** A compensation, retried in-process on transient failures with a short exponential backoff. */
  private async compensate<T>(
    command: () => Promise<T>,
    name: string,
    log: Log,
    deadlineMs: number | undefined,
  ): Promise<T> {
    const { compensationAttempts, compensationBackoffMs } = this.options;
    for (let attempt = 1; ; attempt++) {
      try {
        return await command();
      } catch (error) {
        if (!(error instanceof TransientError)) throw error;
        const step = Math.min(
          COMPENSATION_BACKOFF_CAP_MS,
          compensationBackoffMs * 2 ** (attempt - 1),
        );
        const outOfTime =
          deadlineMs === undefined
            ? attempt >= compensationAttempts
            : Date.now() + step >= deadlineMs;
        if (outOfTime) {
          log.error(`${name} failed ${attempt} times; the message will be retried`, { error });
          throw new CompensationFailedError(`${name} failed ${attempt} times`, { cause: error });
        }
        log.warn(`${name}: temporary failure, retrying`, { attempt, error });
        await sleep(step * (0.5 + Math.random() / 2));
      }
    }
  }

  /** Keeps a step's event, stamped now, for the final write. */
  private record<T extends EventType>(
    input: SagaInput,
    state: RunState,
    type: T,
    data: EventData[T],
  ): void {
    state.steps.push(this.event(input, type, data) as CloudEvent);
  }

  private event<T extends EventType>(input: SagaInput, type: T, data: EventData[T]): CloudEvent<T> {
    return buildEvent({
      type,
      source: EVENT_SOURCES.worker,
      orderId: input.order.orderId,
      correlationId: input.correlationId,
      sagaId: input.sagaId,
      data,
    });
  }
}
