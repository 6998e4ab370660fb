/**
 * Identifiers: order ids are ULIDs (26 Crockford base32 characters, time-ordered), so they
 * sort by creation time and can be told apart from anything else at a glance.
 */
import { randomBytes } from 'node:crypto';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const ORDER_ID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

/** A new ULID for `nowMs` (48-bit time, 80 random bits). */
export function newUlid(nowMs: number = Date.now()): string {
  let time = '';
  let t = nowMs;
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD.charAt(t % 32) + time;
    t = Math.floor(t / 32);
  }
  const random = randomBytes(16);
  let rest = '';
  for (let i = 0; i < 16; i++) rest += CROCKFORD.charAt((random[i] ?? 0) % 32);
  return time + rest;
}

/** A new order id. */
export const newOrderId = (nowMs?: number): string => newUlid(nowMs);

/** True when `value` has the shape of an order id (a ULID). */
export const isOrderId = (value: string): boolean => ORDER_ID.test(value);
