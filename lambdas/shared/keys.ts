/**
 * The single-table key layout of every table (each table has a string `pk` and `sk`).
 * Functions, the CLI and the tests build keys only through these helpers.
 */

/** Orders table: the order itself. */
export const orderKey = (orderId: string) => ({ pk: `ORDER#${orderId}`, sk: 'ORDER' });
/** Orders table: one event of an order's timeline; each event type happens at most once per order. */
export const orderEventKey = (orderId: string, type: string) => ({
  pk: `ORDER#${orderId}`,
  sk: `${ORDER_EVENT_SK_PREFIX}${type}`,
});
/** Prefix of the sort keys of an order's event items (and of the outbox items of every table). */
export const ORDER_EVENT_SK_PREFIX = 'EVENT#';
const CATALOG_PK_PREFIX = 'CATALOG#';
/** Orders table: the catalog entry (price) of a sku; the order service prices from it. */
export const catalogKey = (sku: string) => ({ pk: `${CATALOG_PK_PREFIX}${sku}`, sk: 'CATALOG' });
/** The sku of a catalog entry's partition key (undefined for another key). */
export const skuOfCatalogPk = (pk: string): string | undefined =>
  pk.startsWith(CATALOG_PK_PREFIX) ? pk.slice(CATALOG_PK_PREFIX.length) : undefined;
/** Orders table: the guard that binds an Idempotency-Key to the one order it created. */
export const idempotencyGuardKey = (keyHash: string) => ({
  pk: `IDEMPOTENCY#${keyHash}`,
  sk: 'GUARD',
});

/** Inventory table: stock on hand of a sku (`available`, `reserved`). */
export const stockKey = (sku: string) => ({ pk: `SKU#${sku}`, sk: 'STOCK' });
/** Inventory table: the one reservation of an order. */
export const reservationKey = (orderId: string) => ({
  pk: `RESERVATION#${orderId}`,
  sk: 'RESERVATION',
});

/** Inventory table: one entry of a sku's stock ledger (every change of the stock put in). */
export const stockLedgerKey = (sku: string, entryId: string) => ({
  pk: `SKU#${sku}`,
  sk: `LEDGER#${entryId}`,
});

/** Payments table: the one payment of an order. */
export const paymentKey = (orderId: string) => ({ pk: `PAYMENT#${orderId}`, sk: 'PAYMENT' });

/** Shipments table: the one shipment of an order. */
export const shipmentKey = (orderId: string) => ({ pk: `SHIPMENT#${orderId}`, sk: 'SHIPMENT' });

/**
 * An outbox event of a service's own table, beside the item it is about (`of`: the payment,
 * the reservation, the shipment): each event type at most once per order in that table.
 */
export const outboxEventKey = (of: { pk: string }, type: string) => ({
  pk: of.pk,
  sk: `${ORDER_EVENT_SK_PREFIX}${type}`,
});

/** The `kind` attribute every item carries; the stream filter selects `EVENT` inserts. */
export const ItemKind = {
  order: 'ORDER',
  event: 'EVENT',
  catalog: 'CATALOG',
  idempotencyGuard: 'IDEMPOTENCY_GUARD',
  stock: 'STOCK',
  stockLedger: 'STOCK_LEDGER',
  reservation: 'RESERVATION',
  payment: 'PAYMENT',
  shipment: 'SHIPMENT',
  /** Another service's fact about an order, kept on the order's timeline (not relayed). */
  fact: 'FACT',
} as const;
