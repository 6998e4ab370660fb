import { describe, expect, it } from 'vitest';
import { CompactLogFormatter } from '../../lambdas/shared/log-format.js';

describe('CompactLogFormatter', () => {
  it("keeps Powertools' keys that say something per line, and drops those that repeat the log group's", () => {
    const item = new CompactLogFormatter().formatAttributes(
      {
        logLevel: 'INFO',
        message: 'order accepted',
        timestamp: new Date('2026-12-04T21:00:00.000Z'),
        serviceName: 'api',
        awsRegion: 'us-east-1',
        sampleRateValue: 0,
        xRayTraceId: '1-abc',
        lambdaContext: {
          coldStart: true,
          awsRequestId: 'req-1',
          functionName: 'MiniEc-ApiFunction',
          invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:MiniEc-ApiFunction',
          memoryLimitInMB: '256',
          functionVersion: '$LATEST',
        },
      },
      { correlation_id: 'cid-1', order_id: '01M91' },
    );
    expect(item.getAttributes()).toEqual({
      level: 'INFO',
      message: 'order accepted',
      timestamp: '2026-12-04T21:00:00.000Z',
      service: 'api',
      cold_start: true,
      function_request_id: 'req-1',
      correlation_id: 'cid-1',
      order_id: '01M91',
    });
  });
});
