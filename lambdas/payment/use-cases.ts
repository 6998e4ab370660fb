/**
 * Payment use cases: charge and refund, idempotent per order. A retried charge never charges
 * twice; a refund is safe to repeat, and a refund before any charge voids a late charge. On a
 * shipment that failed for good, payment refunds on its own and says so (payment.refunded.v1).
 */
import { randomUUID } from 'node:crypto';
import type { PaymentReply } from '../shared/commands.js';
import { buildEvent, type CloudEvent, EVENT_SOURCES } from '../shared/events.js';
import { retryLostRaces } from '../shared/race.js';
import { isDeclined } from './domain.js';
import { PaymentChangedError, PaymentExistsError, PaymentsUnavailableError } from './errors.js';
import type { PaymentStore } from './payment-store.js';

/** Payment use cases over a store, with the amount above which a charge is declined. */
export class Payments {
  constructor(
    private readonly store: PaymentStore,
    private readonly limit: number,
    private readonly newPaymentId: () => string = () => `pay_${randomUUID()}`,
  ) {}

  /** Charges the order once; repeated, it answers the same paymentId. */
  async charge(orderId: string, amount: number, currency: string): Promise<PaymentReply> {
    if (isDeclined(amount, this.limit)) return { outcome: 'REJECTED', reason: 'PAYMENT_DECLINED' };
    const paymentId = this.newPaymentId();
    try {
      await this.store.putCharge({ orderId, paymentId, amount, currency });
      return { outcome: 'CHARGED', paymentId };
    } catch (error) {
      if (!(error instanceof PaymentExistsError)) throw error;
    }
    const existing = await this.store.getPayment(orderId);
    if (existing?.status === 'CHARGED' && existing.paymentId)
      return { outcome: 'CHARGED', paymentId: existing.paymentId };
    if (existing) return { outcome: 'REJECTED', reason: 'PAYMENT_VOIDED' };
    throw new PaymentsUnavailableError(`payment of ${orderId} vanished while reading it`);
  }

  /** Refunds the order's charge, or voids the order's payment when nothing was charged yet. */
  async refund(orderId: string): Promise<PaymentReply> {
    return retryLostRaces(
      async () => {
        const payment = await this.store.getPayment(orderId);
        if (payment === undefined) await this.store.putVoidedTombstone(orderId);
        else if (payment.status === 'CHARGED') await this.store.markRefunded(orderId);
        return { outcome: 'REFUNDED' };
      },
      (error) => error instanceof PaymentChangedError,
      () => new PaymentsUnavailableError(`refund of ${orderId} kept racing with another writer`),
    );
  }

  /**
   * The first compensation of a failed shipment: refunds the order's charge and records
   * payment.refunded.v1 in the payments table's outbox in one transaction (once per order: a
   * repeated shipping.failed.v1 refunds nothing more and records nothing new). Returns
   * whether the event is new.
   */
  async compensateShipment(failed: CloudEvent<'shipping.failed.v1'>): Promise<boolean> {
    const orderId = failed.subject;
    return retryLostRaces(
      async () => {
        const payment = await this.store.getPayment(orderId);
        const refunded = buildEvent({
          type: 'payment.refunded.v1',
          source: EVENT_SOURCES.payment,
          orderId,
          correlationId: failed.correlationid,
          sagaId: failed.sagaid,
          data: { orderId, ...(payment?.paymentId ? { paymentId: payment.paymentId } : {}) },
        });
        if (payment?.status === 'CHARGED') {
          await this.store.refundWithEvent(orderId, refunded);
          return true;
        }
        // Nothing charged is left (refunded, voided, or never charged): the event alone.
        if (payment === undefined) await this.store.putVoidedTombstone(orderId);
        return this.store.recordEvent(refunded);
      },
      (error) => error instanceof PaymentChangedError,
      () => new PaymentsUnavailableError(`refund of ${orderId} kept racing with another writer`),
    );
  }
}
