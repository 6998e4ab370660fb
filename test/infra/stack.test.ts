import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileSystem } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderTraceQuery, TRACE_QUERY_PLACEHOLDER } from '../../lambdas/shared/log-keys.js';
import { buildApp, STACK_NAME } from '../../lib/app.js';
import type { MiniEcStack } from '../../lib/mini-ec-stack.js';

type Resource = { Type: string; Properties: Record<string, unknown> };

const outdirs: string[] = [];
afterAll(() => {
  for (const dir of outdirs) fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * Synthesizes the app with this context. `bundle: false` skips the five esbuild bundles (CDK's
 * `aws:cdk:bundling-stacks` context, as `cdk synth --exclusively` uses it) and CDK's built-in
 * CloudFormation validation, for the tests that read only the template; the default synth (of
 * beforeAll) runs both, as `cdk synth` does.
 */
function synth(
  context: Record<string, unknown> = {},
  { bundle = true }: { bundle?: boolean } = {},
): { template: Template; outdir: string } {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'mini-ec-synth-'));
  outdirs.push(outdir);
  const app = buildApp({
    outdir,
    context: bundle ? context : { ...context, 'aws:cdk:bundling-stacks': [] },
    builtinCloudFormationValidation: bundle,
  });
  app.synth();
  const stack = app.node.findChild(STACK_NAME) as MiniEcStack;
  return { template: Template.fromStack(stack), outdir };
}

function functionByService(template: Template, service: string): [string, Resource] {
  const found = Object.entries(template.findResources('AWS::Lambda::Function')).find(
    ([, r]) =>
      (r as Resource).Properties.Environment !== undefined &&
      JSON.stringify((r as Resource).Properties.Environment).includes(
        `"POWERTOOLS_SERVICE_NAME":"${service}"`,
      ),
  );
  if (!found) throw new Error(`no function for service ${service}`);
  return found as [string, Resource];
}

const SERVICES = ['api', 'outbox-relay', 'worker', 'inventory', 'payment', 'shipping'] as const;

/** The bundled index.mjs of a function, read from the asset its S3Key names. */
function bundleOf(outdir: string, fn: Resource): string {
  const key = (fn.Properties.Code as { S3Key: string }).S3Key;
  return fs.readFileSync(
    path.join(outdir, `asset.${key.replace(/\.zip$/, '')}`, 'index.mjs'),
    'utf8',
  );
}

describe('MiniEc stack', () => {
  let template: Template;
  let outdir: string;

  beforeAll(() => {
    ({ template, outdir } = synth());
  });

  it('synthesizes with no unacknowledged cdk-nag finding, each acknowledgement giving a reason', () => {
    const report = JSON.parse(
      fs.readFileSync(path.join(outdir, 'validation-report.json'), 'utf8'),
    ) as {
      pluginReports: {
        pluginName: string;
        conclusion: string;
        violations: unknown[];
        suppressedViolations: { reason: string }[];
      }[];
    };
    const nag = report.pluginReports.find((p) => p.pluginName === 'AwsSolutions');
    expect(nag?.conclusion).toBe('success');
    expect(nag?.violations).toEqual([]);
    for (const acknowledged of nag?.suppressedViolations ?? [])
      expect(acknowledged.reason.length).toBeGreaterThan(40);
  });

  it('runs six functions on Node.js 24, arm64, each with its own log group with retention', () => {
    const functions = template.findResources('AWS::Lambda::Function');
    const saga = Object.values(functions).filter((f) =>
      JSON.stringify((f as Resource).Properties.Environment ?? {}).includes(
        'POWERTOOLS_SERVICE_NAME',
      ),
    );
    expect(saga).toHaveLength(6);
    for (const f of saga) {
      expect((f as Resource).Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
      });
    }
    template.resourceCountIs('AWS::Logs::LogGroup', 7);
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 7 });
  });

  it('bundles the SDK with environment-variable credentials only, not the default chain’s SSO, STS and metadata providers', () => {
    for (const service of SERVICES) {
      const bundle = bundleOf(outdir, functionByService(template, service)[1]);
      // Message texts of @aws-sdk/credential-provider-env and of the providers the chain adds.
      expect(bundle, service).toContain('Unable to find environment variable credentials');
      expect(bundle, service).not.toContain('Skipping SSO provider in default chain');
      expect(bundle, service).not.toContain('AssumeRoleWithWebIdentity');
      expect(bundle, service).not.toContain('169.254.170.2');
    }
  });

  it("names each function's asset by the hash of its bundle, so a change in lambdas/shared or a package makes a new one", () => {
    for (const service of SERVICES) {
      const key = (functionByService(template, service)[1].Properties.Code as { S3Key: string })
        .S3Key;
      const hash = key.replace(/\.zip$/, '');
      expect(FileSystem.fingerprint(path.join(outdir, `asset.${hash}`)), service).toBe(hash);
    }
  });

  it('keeps four on-demand tables destroyed with the stack, each streaming new images (its outbox), the orders table expiring Idempotency-Key guards', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 4);
    template.allResourcesProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
    });
    template.allResources('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete' });
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });

  it('moves an orders message to its DLQ after maxReceiveCount (default 5) and gives the worker 6× its timeout', () => {
    const [, worker] = functionByService(template, 'worker');
    const workerTimeout = worker.Properties.Timeout as number;
    template.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: workerTimeout * 6,
      RedrivePolicy: { maxReceiveCount: 5, deadLetterTargetArn: Match.anyValue() },
    });
    expect(worker.Properties.Environment).toMatchObject({ Variables: { MAX_RECEIVE_COUNT: '5' } });
  });

  it('takes maxReceiveCount and fault settings from context, per service overriding the shared value', () => {
    const { template: custom } = synth(
      { maxReceiveCount: 3, faultFailRate: 0.3, paymentFaultDelayMs: 250 },
      { bundle: false },
    );
    custom.hasResourceProperties('AWS::SQS::Queue', { RedrivePolicy: { maxReceiveCount: 3 } });
    const [, inventory] = functionByService(custom, 'inventory');
    const [, payment] = functionByService(custom, 'payment');
    expect(inventory.Properties.Environment).toMatchObject({
      Variables: { FAULT_FAIL_RATE: '0.3', FAULT_DELAY_MS: '0' },
    });
    expect(payment.Properties.Environment).toMatchObject({
      Variables: { FAULT_FAIL_RATE: '0.3', FAULT_DELAY_MS: '250' },
    });
  });

  it('keeps timeouts consistent end to end: participant < invoke < worker < visibility, each queue 6× its reader', () => {
    const [, worker] = functionByService(template, 'worker');
    const [, payment] = functionByService(template, 'payment');
    const [, inventory] = functionByService(template, 'inventory');
    const env = (worker.Properties.Environment as { Variables: Record<string, string> }).Variables;
    const [, shipping] = functionByService(template, 'shipping');
    const queues = Object.entries(template.findResources('AWS::SQS::Queue')).filter(
      ([, q]) => (q as Resource).Properties.RedrivePolicy !== undefined,
    ) as [string, Resource][];
    const visibility = Object.fromEntries(
      queues.map(([id, q]) => [
        id.replace(/Queue[0-9A-F]{8}$/, ''),
        q.Properties.VisibilityTimeout as number,
      ]),
    );

    const participantMs = Math.max(
      (payment.Properties.Timeout as number) * 1000,
      (inventory.Properties.Timeout as number) * 1000,
    );
    expect(participantMs).toBeLessThan(Number(env.INVOKE_TIMEOUT_MS));
    expect(Number(env.INVOKE_TIMEOUT_MS)).toBeLessThan(
      (worker.Properties.Timeout as number) * 1000,
    );
    // Each queue's visibility timeout is 6× the timeout of the function that reads it.
    const sixTimes = (fn: Resource) => (fn.Properties.Timeout as number) * 6;
    expect(visibility).toEqual({
      Orders: sixTimes(worker),
      ShippingOrders: sixTimes(shipping),
      PaymentFacts: sixTimes(payment),
      InventoryFacts: sixTimes(inventory),
    });
  });

  it('takes shorter timeouts from context for crash tests, and refuses a chain that does not grow', () => {
    expect(() => synth({ invokeTimeoutMs: 50_000 })).toThrow(/timeouts must grow/);
    expect(() => synth({ workerTimeoutSeconds: 8, visibilityTimeoutSeconds: 8 })).toThrow(
      /timeouts must grow/,
    );
  });

  it('gives each participant and shipping a chaos parameter, {} by default, that only it may read', () => {
    const parameters = template.findResources('AWS::SSM::Parameter');
    expect(Object.values(parameters).map((p) => (p as Resource).Properties.Value)).toEqual([
      '{}',
      '{}',
      '{}',
    ]);
    for (const service of ['inventory', 'payment', 'shipping']) {
      const [, fn] = functionByService(template, service);
      const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> })
        .Variables;
      const [logicalId] = Object.entries(parameters).find(
        ([id]) => JSON.stringify(variables.CHAOS_PARAMETER_NAME) === JSON.stringify({ Ref: id }),
      ) ?? [undefined];
      expect(logicalId, `${service} reads its own chaos parameter`).toBeDefined();
      expect(variables).toMatchObject({ FAULT_FAIL_AFTER_COMMIT: '0' });
    }
    const readers = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
      JSON.stringify(p).includes('ssm:GetParameter'),
    );
    expect(readers).toHaveLength(3);
  });

  it('rejects a context value out of range with its name', () => {
    expect(() => synth({ faultFailRate: 2 })).toThrow(/faultFailRate/);
  });

  it.each(['OrdersTable', 'PaymentsTable', 'InventoryTable', 'ShipmentsTable'])(
    'relays new event items of the %s outbox only, in batches, bisecting, with bounded retries and an on-failure destination',
    (table) => {
      const [relayId] = functionByService(template, 'outbox-relay');
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: relayId },
        EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp(`^${table}`), 'StreamArn'] },
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: 100,
        BisectBatchOnFunctionError: true,
        MaximumRetryAttempts: 10,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        DestinationConfig: {
          OnFailure: {
            Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^RelayDlq'), 'Arn'] },
          },
        },
        FilterCriteria: {
          Filters: [
            {
              Pattern: JSON.stringify({
                eventName: ['INSERT'],
                dynamodb: { NewImage: { kind: { S: ['EVENT'] } } },
              }),
            },
          ],
        },
      });
    },
  );

  it('feeds the worker the orders queue in batches of at most 10 with partial failures and a concurrency cap, unfiltered (the subscription filters)', () => {
    const mappings = template.findResources('AWS::Lambda::EventSourceMapping', {
      Properties: {
        EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^OrdersQueue'), 'Arn'] },
      },
    });
    const [mapping] = Object.values(mappings) as Resource[];
    expect(mapping?.Properties.BatchSize).toBeLessThanOrEqual(10);
    expect(mapping?.Properties).toMatchObject({
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 5 },
    });
    expect(mapping?.Properties.FilterCriteria).toBeUndefined();
  });

  it('publishes every event to one TLS-only, encrypted SNS topic; each consumer queue takes its facts, raw, filtered by type (and source)', () => {
    const topics = template.findResources('AWS::SNS::Topic');
    expect(Object.keys(topics)).toHaveLength(1);
    const [topicId, topic] = Object.entries(topics)[0] as [string, Resource];
    expect(JSON.stringify(topic.Properties.KmsMasterKeyId)).toMatch(/:alias\/aws\/sns"\]\]\}$/);
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
    const subscriptions = Object.values(
      template.findResources('AWS::SNS::Subscription'),
    ) as Resource[];
    const byQueue = Object.fromEntries(
      subscriptions.map((sub) => {
        expect(sub.Properties).toMatchObject({
          Protocol: 'sqs',
          TopicArn: { Ref: topicId },
          RawMessageDelivery: true,
        });
        const endpoint = sub.Properties.Endpoint as { 'Fn::GetAtt': [string, string] };
        const queue = endpoint['Fn::GetAtt'][0].replace(/Queue[0-9A-F]{8}$/, '');
        return [queue, sub.Properties.FilterPolicy];
      }),
    );
    expect(byQueue).toEqual({
      // The order service: the saga's start, and the other services' facts (not its own events).
      Orders: {
        type: [
          'order.placed.v1',
          'shipping.requested.v1',
          'shipping.failed.v1',
          'payment.refunded.v1',
          'inventory.released.v1',
        ],
        source: ['mini-ec/api', 'mini-ec/shipping', 'mini-ec/payment', 'mini-ec/inventory'],
      },
      ShippingOrders: { type: ['order.confirmed.v1'] },
      PaymentFacts: { type: ['shipping.failed.v1'] },
      // Reverse order: inventory releases on payment's refund, not on the worker's.
      InventoryFacts: { type: ['payment.refunded.v1'], source: ['mini-ec/payment'] },
    });
    // The queue lets this topic, and only it, send.
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'sqs:SendMessage',
            Principal: { Service: 'sns.amazonaws.com' },
            Condition: { ArnEquals: { 'aws:SourceArn': { Ref: topicId } } },
          }),
        ]),
      },
    });
  });

  it('lets the relay publish to the topic and send to nothing else', () => {
    const [relayId, relayFn] = functionByService(template, 'outbox-relay');
    const [topicId] = Object.keys(template.findResources('AWS::SNS::Topic'));
    expect(relayFn.Properties.Environment).toMatchObject({
      Variables: { EVENTS_TOPIC_ARN: { Ref: topicId } },
    });
    const relayPolicies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
      JSON.stringify(p).includes(relayId.replace(/Function.*/, '')),
    ) as Resource[];
    const statements = relayPolicies.flatMap(
      (p) =>
        (p.Properties.PolicyDocument as { Statement: { Action: unknown; Resource: unknown }[] })
          .Statement,
    );
    const touching = (service: string) =>
      statements.filter((s) => [s.Action].flat().some((a) => String(a).startsWith(service)));
    expect(touching('sns:').map((s) => [[s.Action].flat(), s.Resource])).toEqual([
      [['sns:Publish'], { Ref: topicId }],
    ]);
    // SQS: only the on-failure destination of its stream source, never the orders queue.
    expect(touching('sqs:').map((s) => JSON.stringify(s.Resource))).toEqual([
      expect.stringMatching(/RelayDlq/),
    ]);
  });

  it('serves the three routes, and $default so any other request gets the function’s problem, on an HTTP API whose stage is throttled and access-logged', () => {
    for (const routeKey of [
      'POST /orders',
      'GET /orders/{id}',
      'GET /orders/{id}/events',
      '$default',
    ]) {
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: routeKey });
    }
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      AccessLogSettings: { DestinationArn: Match.anyValue() },
    });
  });

  it('grants the worker invoke on exactly the two participants and no wildcard', () => {
    const [workerId] = functionByService(template, 'worker');
    const policies = template.findResources('AWS::IAM::Policy');
    const workerPolicy = Object.values(policies).find((p) =>
      JSON.stringify(p).includes(workerId.replace(/Function.*/, '')),
    ) as Resource | undefined;
    if (!workerPolicy) throw new Error('the worker has no policy');
    const statements = (
      workerPolicy.Properties.PolicyDocument as {
        Statement: { Action: unknown; Resource: unknown }[];
      }
    ).Statement;
    const invoke = statements.filter((s) =>
      JSON.stringify(s.Action).includes('lambda:InvokeFunction'),
    );
    expect(invoke).toHaveLength(2);
    expect(JSON.stringify(invoke)).not.toContain(':*');
  });

  it('gives no function a managed policy', () => {
    for (const role of Object.values(template.findResources('AWS::IAM::Role')) as Resource[]) {
      expect(role.Properties.ManagedPolicyArns ?? []).toEqual([]);
    }
  });

  it('alarms on every DLQ (orders, relay, shipping, payment facts, inventory facts), the age of the oldest orders message and worker errors', () => {
    template.resourceCountIs('AWS::CloudWatch::Alarm', 7);
    const dlqAlarms = Object.keys(template.findResources('AWS::CloudWatch::Alarm')).filter((id) =>
      /DlqNotEmpty/.test(id),
    );
    expect(dlqAlarms.map((id) => id.replace(/DlqNotEmpty.*/, '')).sort()).toEqual([
      'InventoryFacts',
      'Orders',
      'PaymentFacts',
      'Relay',
      'ShippingOrders',
    ]);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateAgeOfOldestMessage',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Namespace: 'AWS/Lambda',
    });
  });

  it('outputs the API URL and every name the CLI needs', () => {
    const outputs = Object.keys(template.findOutputs('*'));
    expect(outputs).toEqual(
      expect.arrayContaining([
        'ApiUrl',
        'OrdersTableName',
        'InventoryTableName',
        'PaymentsTableName',
        'OrdersQueueUrl',
        'OrdersDlqUrl',
        'RelayDlqUrl',
        'InventoryChaosParameterName',
        'PaymentChaosParameterName',
        'ShipmentsTableName',
        'ShippingQueueUrl',
        'ShippingDlqUrl',
        'PaymentFactsQueueUrl',
        'PaymentFactsDlqUrl',
        'InventoryFactsQueueUrl',
        'InventoryFactsDlqUrl',
        'ShippingChaosParameterName',
      ]),
    );
  });

  it("saves the trace query mini-ec trace runs, over the six functions' log groups, and outputs them", () => {
    const definitions = template.findResources('AWS::Logs::QueryDefinition');
    expect(Object.keys(definitions)).toHaveLength(1);
    const [definition] = Object.values(definitions);
    const props = definition?.Properties as {
      QueryString: string;
      LogGroupNames: unknown[];
      Name: unknown;
    };
    expect(props.QueryString).toBe(orderTraceQuery(TRACE_QUERY_PLACEHOLDER));
    expect(props.Name).toBe(`${STACK_NAME}/order-trace`);

    const functions = template.findResources('AWS::Lambda::Function');
    const groupsOfFunctions = Object.values(functions).map(
      (fn) => (fn.Properties as { LoggingConfig: { LogGroup: unknown } }).LoggingConfig.LogGroup,
    );
    expect(groupsOfFunctions).toHaveLength(6);
    expect(props.LogGroupNames).toEqual(expect.arrayContaining(groupsOfFunctions));
    expect(props.LogGroupNames).toHaveLength(6);

    const outputs = template.findOutputs('*');
    const logGroupOutputs = Object.keys(outputs).filter((name) => name.endsWith('LogGroupName'));
    expect(logGroupOutputs.sort()).toEqual([
      'ApiLogGroupName',
      'InventoryLogGroupName',
      'OutboxRelayLogGroupName',
      'PaymentLogGroupName',
      'ShippingLogGroupName',
      'WorkerLogGroupName',
    ]);
    expect(logGroupOutputs.map((name) => outputs[name]?.Value)).toEqual(
      expect.arrayContaining(groupsOfFunctions),
    );
  });

  it('serves the same three routes as a throttled, access-logged REST API with -c apiType=rest', () => {
    const { template: rest, outdir: restOut } = synth({ apiType: 'rest' }, { bundle: false });
    const report = fs.readFileSync(path.join(restOut, 'validation-report.json'), 'utf8');

    rest.resourceCountIs('AWS::ApiGatewayV2::Api', 0);
    rest.resourceCountIs('AWS::ApiGateway::Method', 3);
    for (const [method, pathPart] of [
      ['POST', 'orders'],
      ['GET', '{id}'],
      ['GET', 'events'],
    ]) {
      const resources = rest.findResources('AWS::ApiGateway::Resource', {
        Properties: { PathPart: pathPart },
      });
      expect(Object.keys(resources)).toHaveLength(1);
      rest.hasResourceProperties('AWS::ApiGateway::Method', {
        HttpMethod: method,
        ResourceId: { Ref: Object.keys(resources)[0] },
        Integration: { Type: 'AWS_PROXY' },
      });
    }
    rest.hasResourceProperties('AWS::ApiGateway::Stage', {
      MethodSettings: [Match.objectLike({ ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 })],
      AccessLogSetting: { DestinationArn: Match.anyValue() },
    });
    expect(JSON.parse(report).pluginReports[0].violations).toEqual([]);
  });

  it('rejects an apiType other than http or rest', () => {
    expect(() => synth({ apiType: 'graphql' })).toThrow(/apiType/);
  });
});
