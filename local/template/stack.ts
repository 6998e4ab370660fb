/**
 * The resources of a stack's template as the local cloud creates and runs them: tables,
 * queues, parameters, functions, event sources, APIs and outputs, each with its properties
 * resolved (./references.ts).
 */
import * as path from 'node:path';
import type { ParameterDef } from '../emulators/ssm.js';
import type { LoadedStack } from './assembly.js';
import { NOT_RUNNING, type RuntimeValues, StackReferences } from './references.js';

/** A DynamoDB table to create locally. */
export interface TableDef {
  readonly logicalId: string;
  readonly name: string;
  readonly properties: Record<string, unknown>;
}

/** An SQS queue to create locally, with its resolved attributes. */
export interface QueueDef {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  readonly properties: Record<string, unknown>;
  /** Logical id of its dead-letter queue, if its RedrivePolicy names one of the stack's. */
  readonly deadLetterLogicalId?: string;
}

/** An SNS topic to create locally. */
export interface TopicDef {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
}

/** A subscription of a queue to a topic, with its resolved attributes (filter policy, raw delivery). */
export interface SubscriptionDef {
  readonly logicalId: string;
  readonly topicArn: string;
  /** The subscribed queue's ARN. */
  readonly queueArn: string;
  /** RawMessageDelivery, FilterPolicy (JSON), FilterPolicyScope, as SNS's attributes. */
  readonly attributes: Record<string, string>;
}

/** A Lambda function to run from its bundled asset. */
export interface FunctionDef {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  /** A short name for the console view: the Powertools service name, else the CDK path. */
  readonly displayName: string;
  readonly assetDir: string;
  /** Module path inside the asset, without extension (`index` for `index.handler`). */
  readonly handlerModule: string;
  readonly handlerExport: string;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  readonly runtime: string;
  /** The template's environment, intrinsics resolved. */
  readonly environment: Record<string, string>;
  /** LoggingConfig: `JSON` or `Text`, and the log group name. */
  readonly logFormat: string;
  readonly logGroupName: string;
}

/** An AWS::Lambda::EventSourceMapping with its properties resolved. */
export interface EventSourceDef {
  readonly logicalId: string;
  readonly functionName: string;
  readonly eventSourceArn: string;
  readonly properties: Record<string, unknown>;
}

/** One HTTP API route and the function its integration calls. */
export interface RouteDef {
  readonly routeKey: string;
  readonly functionName: string;
  readonly payloadFormatVersion: string;
}

/** An HTTP API (API Gateway v2) of the stack. */
export interface HttpApiDef {
  readonly logicalId: string;
  readonly apiId: string;
  readonly routes: RouteDef[];
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** The stack's resources as the local cloud creates and runs them. */
export class StackTemplate extends StackReferences {
  constructor(stack: LoadedStack, runtime: RuntimeValues = NOT_RUNNING) {
    super(stack, runtime);
  }

  /** The stack's tables. */
  tables(): TableDef[] {
    return this.resourcesOf('AWS::DynamoDB::Table').map(([logicalId, r]) => ({
      logicalId,
      name: this.physicalName(logicalId),
      properties: this.resolve(r.Properties ?? {}, logicalId) as Record<string, unknown>,
    }));
  }

  /** The stack's SSM parameters, resolved. */
  parameters(): ParameterDef[] {
    return this.resourcesOf('AWS::SSM::Parameter').map(([logicalId, r]) => {
      const props = this.resolve(r.Properties ?? {}, logicalId) as Record<string, unknown>;
      return {
        logicalId,
        name: this.physicalName(logicalId),
        type: str(props.Type) ?? 'String',
        value: str(props.Value) ?? '',
      };
    });
  }

  /** The stack's queues, dead-letter queues first. */
  queues(): QueueDef[] {
    const byArn = new Map<string, string>();
    for (const [logicalId] of this.resourcesOf('AWS::SQS::Queue')) {
      byArn.set(String(this.getAtt(logicalId, 'Arn')), logicalId);
    }
    const queues = this.resourcesOf('AWS::SQS::Queue').map(([logicalId, r]): QueueDef => {
      const properties = this.resolve(r.Properties ?? {}, logicalId) as Record<string, unknown>;
      const redrive = properties.RedrivePolicy as { deadLetterTargetArn?: string } | undefined;
      const target = redrive?.deadLetterTargetArn
        ? byArn.get(redrive.deadLetterTargetArn)
        : undefined;
      return {
        logicalId,
        name: this.physicalName(logicalId),
        arn: String(this.getAtt(logicalId, 'Arn')),
        properties,
        ...(target ? { deadLetterLogicalId: target } : {}),
      };
    });
    const dlqs = new Set(queues.map((q) => q.deadLetterLogicalId).filter(Boolean));
    return [
      ...queues.filter((q) => dlqs.has(q.logicalId)),
      ...queues.filter((q) => !dlqs.has(q.logicalId)),
    ];
  }

  /** The stack's SNS topics. */
  topics(): TopicDef[] {
    return this.resourcesOf('AWS::SNS::Topic').map(([logicalId]) => ({
      logicalId,
      name: this.physicalName(logicalId),
      arn: String(this.ref(logicalId)),
    }));
  }

  /** The stack's SQS subscriptions to its topics (other protocols have nothing to run here). */
  subscriptions(): SubscriptionDef[] {
    return this.resourcesOf('AWS::SNS::Subscription').flatMap(([logicalId, r]) => {
      const props = this.resolve(r.Properties ?? {}, logicalId) as Record<string, unknown>;
      if (props.Protocol !== 'sqs') return [];
      const attributes: Record<string, string> = {};
      if (props.RawMessageDelivery !== undefined)
        attributes.RawMessageDelivery = String(props.RawMessageDelivery);
      if (props.FilterPolicy !== undefined)
        attributes.FilterPolicy =
          typeof props.FilterPolicy === 'string'
            ? props.FilterPolicy
            : JSON.stringify(props.FilterPolicy);
      if (typeof props.FilterPolicyScope === 'string')
        attributes.FilterPolicyScope = props.FilterPolicyScope;
      return [
        {
          logicalId,
          topicArn: String(props.TopicArn),
          queueArn: String(props.Endpoint),
          attributes,
        },
      ];
    });
  }

  /** The stack's functions, their environment resolved (call once the emulators run). */
  functions(): FunctionDef[] {
    return this.resourcesOf('AWS::Lambda::Function').map(([logicalId, r]) => {
      const props = this.resolve(r.Properties ?? {}, logicalId) as Record<string, unknown>;
      const assetPath = str(r.Metadata?.['aws:asset:path']);
      if (!assetPath) {
        throw new Error(
          `function ${logicalId} has no aws:asset:path metadata: synthesize with context aws:cdk:enable-asset-metadata=true (inline code is not supported locally)`,
        );
      }
      const runtime = str(props.Runtime) ?? 'nodejs';
      if (!runtime.startsWith('nodejs')) {
        throw new Error(
          `function ${logicalId} runs ${runtime}: the local cloud runs Node.js functions only`,
        );
      }
      const handler = str(props.Handler) ?? 'index.handler';
      const dot = handler.lastIndexOf('.');
      const variables = ((props.Environment as { Variables?: Record<string, unknown> } | undefined)
        ?.Variables ?? {}) as Record<string, unknown>;
      const environment: Record<string, string> = {};
      for (const [k, v] of Object.entries(variables)) {
        environment[k] = this.localizeUrls(typeof v === 'string' ? v : JSON.stringify(v));
      }
      const cdkPath = str(r.Metadata?.['aws:cdk:path']);
      const displayName =
        environment.POWERTOOLS_SERVICE_NAME ??
        (cdkPath ? shortCdkPath(cdkPath) : undefined) ??
        logicalId;
      const name = this.physicalName(logicalId);
      const logging = props.LoggingConfig as Record<string, unknown> | undefined;
      return {
        logicalId,
        name,
        arn: String(this.getAtt(logicalId, 'Arn')),
        displayName,
        assetDir: path.resolve(this.stack.assemblyDir, assetPath),
        handlerModule: handler.slice(0, dot),
        handlerExport: handler.slice(dot + 1),
        timeoutSeconds: Number(props.Timeout ?? 3),
        memoryMb: Number(props.MemorySize ?? 128),
        runtime,
        environment,
        logFormat: str(logging?.LogFormat) ?? 'Text',
        logGroupName: str(logging?.LogGroup) ?? `/aws/lambda/${name}`,
      };
    });
  }

  /** The stack's event source mappings, resolved. */
  eventSources(): EventSourceDef[] {
    return this.resourcesOf('AWS::Lambda::EventSourceMapping').map(([logicalId, r]) => {
      const properties = this.resolve(r.Properties ?? {}, logicalId) as Record<string, unknown>;
      return {
        logicalId,
        functionName: String(properties.FunctionName),
        eventSourceArn: String(properties.EventSourceArn),
        properties,
      };
    });
  }

  /** The stack's HTTP APIs and their routes. REST APIs are reported by `restApis()`. */
  httpApis(): HttpApiDef[] {
    const integrations = new Map<string, { functionName: string; payloadFormatVersion: string }>();
    for (const [logicalId, r] of this.resourcesOf('AWS::ApiGatewayV2::Integration')) {
      const props = this.resolve(r.Properties ?? {}, logicalId) as Record<string, unknown>;
      const uri = String(props.IntegrationUri ?? '');
      const fnArn = /arn:aws:lambda:[^:]+:[^:]+:function:[^/:]+/.exec(uri)?.[0];
      if (!fnArn) continue;
      integrations.set(logicalId, {
        functionName: fnArn.slice(fnArn.lastIndexOf(':') + 1),
        payloadFormatVersion: String(props.PayloadFormatVersion ?? '2.0'),
      });
    }
    return this.resourcesOf('AWS::ApiGatewayV2::Api').map(([logicalId]) => {
      const routes: RouteDef[] = [];
      for (const [routeId, r] of this.resourcesOf('AWS::ApiGatewayV2::Route')) {
        const props = this.resolve(r.Properties ?? {}, routeId) as Record<string, unknown>;
        if (props.ApiId !== this.apiId(logicalId)) continue;
        const target = String(props.Target ?? '');
        const integration = integrations.get(target.replace(/^integrations\//, ''));
        if (!integration) continue;
        routes.push({ routeKey: String(props.RouteKey), ...integration });
      }
      return { logicalId, apiId: this.apiId(logicalId), routes };
    });
  }

  /** Logical ids of REST APIs (API Gateway v1), which the local cloud does not serve yet. */
  restApis(): string[] {
    return this.resourcesOf('AWS::ApiGateway::RestApi').map(([id]) => id);
  }

  /** The template's Outputs, resolved, API URLs made local. */
  outputs(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [name, output] of Object.entries(this.template.Outputs ?? {})) {
      const value = this.resolve(output.Value, `Outputs.${name}`);
      out[name] = this.localizeUrls(typeof value === 'string' ? value : JSON.stringify(value));
    }
    return out;
  }
}

/** `MiniEc/Inventory/Function/Resource` → `Inventory`. */
function shortCdkPath(cdkPath: string): string | undefined {
  const parts = cdkPath.split('/').slice(1);
  while (
    parts.length > 1 &&
    ['Resource', 'Function', 'Default'].includes(parts[parts.length - 1] ?? '')
  ) {
    parts.pop();
  }
  return parts.join('/') || undefined;
}
