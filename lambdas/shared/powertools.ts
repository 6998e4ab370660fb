/**
 * The one Powertools Logger of the function that bundles this module. Its service name comes
 * from POWERTOOLS_SERVICE_NAME (set by the stack), its level from POWERTOOLS_LOG_LEVEL.
 */
import { Logger } from '@aws-lambda-powertools/logger';

export const logger = new Logger();

/** The correlation keys every log line of an invocation or a record carries. */
export interface CorrelationKeys {
  correlationId: string;
  orderId: string;
}

/**
 * Runs `work` with `correlation_id` and `order_id` on every log line, and removes them after,
 * whatever happens, so the next record or invocation never inherits them.
 */
export async function withCorrelation<T>(
  keys: Partial<CorrelationKeys>,
  work: () => Promise<T>,
): Promise<T> {
  logger.appendKeys({ correlation_id: keys.correlationId, order_id: keys.orderId });
  try {
    return await work();
  } finally {
    logger.removeKeys(['correlation_id', 'order_id']);
  }
}
