/**
 * The functions' JSON log lines: Powertools' standard keys, less those that repeat on every
 * line what the log group and Lambda's REPORT already hold (function_arn, function_name,
 * function_memory_size) or that say nothing here (sampling_rate off, xray_trace_id with X-Ray
 * off). CloudWatch Logs bills ingestion by the byte: they were a third of every line.
 * function_request_id stays (it ties a line to its invocation), and so do cold_start and the
 * correlation keys (./log-keys.ts).
 */
import { LogFormatter, LogItem } from '@aws-lambda-powertools/logger';
import type { LogAttributes, UnformattedAttributes } from '@aws-lambda-powertools/logger/types';

export class CompactLogFormatter extends LogFormatter {
  override formatAttributes(attributes: UnformattedAttributes, additional: LogAttributes): LogItem {
    return new LogItem({
      attributes: {
        level: attributes.logLevel,
        message: attributes.message,
        timestamp: this.formatTimestamp(attributes.timestamp),
        service: attributes.serviceName,
        cold_start: attributes.lambdaContext?.coldStart,
        function_request_id: attributes.lambdaContext?.awsRequestId,
      },
    }).addAttributes(additional);
  }
}
