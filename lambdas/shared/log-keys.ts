/**
 * How an order is found in the functions' logs: the keys every line about it carries (the
 * functions append them through ./powertools.ts), which IDs may be looked up, and the Logs
 * Insights query of its trace. The stack saves that query (AWS::Logs::QueryDefinition) and
 * `mini-ec trace` runs it, so both read it from here.
 */

/** The JSON keys of a log line that name its order and its correlation ID. */
export const LOG_KEYS = { correlationId: 'correlation_id', orderId: 'order_id' } as const;

/** A correlation ID the api accepts (X-Correlation-Id); order IDs (ULIDs) fit it too. */
export const CORRELATION_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/** What the saved query shows in place of an ID; the console user replaces it. */
export const TRACE_QUERY_PLACEHOLDER = 'PUT-ORDER-OR-CORRELATION-ID-HERE';

/** Lines a trace query returns at most (the Logs Insights maximum). */
export const TRACE_QUERY_LIMIT = 10_000;

/** The parts of the trace query, in the shape of CDK's logs.QueryString props. */
export function orderTraceQueryParts(id: string) {
  return {
    fields: ['@timestamp', '@log', '@message'],
    filterStatements: [`${LOG_KEYS.correlationId} = "${id}" or ${LOG_KEYS.orderId} = "${id}"`],
    sort: '@timestamp asc',
    limit: TRACE_QUERY_LIMIT,
  };
}

/**
 * The Logs Insights query of every line about one order or correlation ID, oldest first, as
 * CDK's QueryString renders the parts (`fields …`, then `| filter …`, `| sort …`, `| limit …`).
 * The ID must match CORRELATION_ID_PATTERN: it is quoted into the query.
 */
export function orderTraceQuery(id: string): string {
  if (id !== TRACE_QUERY_PLACEHOLDER && !CORRELATION_ID_PATTERN.test(id)) {
    throw new Error(`not an order or correlation ID: ${JSON.stringify(id)}`);
  }
  const { fields, filterStatements, sort, limit } = orderTraceQueryParts(id);
  return [
    `fields ${fields.join(', ')}`,
    ...filterStatements.map((statement) => `filter ${statement}`),
    `sort ${sort}`,
    `limit ${limit}`,
  ].join('\n| ');
}
