import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { ParameterDef } from '../emulators/ssm.js';
import {
  IntrinsicError,
  LOCAL_ACCOUNT,
  LOCAL_REGION,
  LOCAL_URL_SUFFIX,
  type ResourceLookup,
  resolveIntrinsics,
} from './intrinsics.js';

/** One resource of a CloudFormation template. */
export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
  readonly Condition?: string;
}

/** The parts of a CloudFormation template the local cloud reads. */
export interface CfnTemplate {
  readonly Resources: Record<string, CfnResource>;
  readonly Outputs?: Record<string, { Value: unknown; Description?: string }>;
  readonly Parameters?: Record<string, { Default?: unknown }>;
  readonly Conditions?: Record<string, unknown>;
}

/** A stack read from a cloud assembly: its template and the directory its assets live in. */
export interface LoadedStack {
  readonly stackName: string;
  readonly template: CfnTemplate;
  readonly assemblyDir: string;
  /** The template's file (absolute). */
  readonly templateFile: string;
}

interface ManifestArtifact {
  type?: string;
  displayName?: string;
  properties?: { templateFile?: string };
}

/**
 * Reads a stack's template from a cloud assembly (`manifest.json` → the stack artifact's
 * templateFile). With no name, takes the only stack of the assembly.
 */
export function loadStack(assemblyDir: string, stackName?: string): LoadedStack {
  const manifestPath = path.join(assemblyDir, 'manifest.json');
  if (!existsSync(manifestPath))
    throw new Error(`no cloud assembly at ${assemblyDir} (manifest.json missing)`);
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
    artifacts?: Record<string, ManifestArtifact>;
  };
  const stacks = Object.entries(manifest.artifacts ?? {}).filter(
    ([, a]) => a.type === 'aws:cloudformation:stack',
  );
  const chosen =
    stackName === undefined
      ? stacks.length === 1
        ? stacks[0]
        : undefined
      : stacks.find(([id, a]) => id === stackName || a.displayName === stackName);
  if (!chosen) {
    const names = stacks.map(([id]) => id).join(', ') || 'none';
    throw new Error(
      `stack ${stackName ?? '(the only one)'} not found in ${assemblyDir}; stacks: ${names}`,
    );
  }
  const [id, artifact] = chosen;
  const templateFile = artifact.properties?.templateFile ?? `${id}.template.json`;
  const file = path.resolve(assemblyDir, templateFile);
  const template = JSON.parse(readFileSync(file, 'utf8')) as CfnTemplate;
  return { stackName: id, template, assemblyDir, templateFile: file };
}

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

/** Local values known only once the emulators run. */
interface RuntimeValues {
  queueUrls: Map<string, string>;
  streamArns: Map<string, string>;
  apiUrl?: string;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/**
 * The stack as the local cloud sees it: physical names (the logical id unless the template
 * names the resource), local ARNs and URLs, and every resource's properties with
 * intrinsics resolved against them.
 */
export class LocalStack implements ResourceLookup {
  readonly runtime: RuntimeValues = { queueUrls: new Map(), streamArns: new Map() };
  private readonly conditions = new Map<string, boolean>();

  constructor(readonly stack: LoadedStack) {}

  get template(): CfnTemplate {
    return this.stack.template;
  }

  /** The resources of a type, in template order, skipping those whose condition is false. */
  resourcesOf(type: string): Array<[string, CfnResource]> {
    return Object.entries(this.template.Resources).filter(
      ([, r]) => r.Type === type && (r.Condition === undefined || this.condition(r.Condition)),
    );
  }

  /** The local physical name of a resource. */
  physicalName(logicalId: string): string {
    const resource = this.template.Resources[logicalId];
    const props = resource?.Properties ?? {};
    const explicit =
      resource?.Type === 'AWS::DynamoDB::Table'
        ? props.TableName
        : resource?.Type === 'AWS::SQS::Queue'
          ? props.QueueName
          : resource?.Type === 'AWS::Lambda::Function'
            ? props.FunctionName
            : resource?.Type === 'AWS::SSM::Parameter'
              ? props.Name
              : undefined;
    if (explicit !== undefined) {
      const resolved = this.resolve(explicit, `${logicalId}.name`);
      if (typeof resolved === 'string') return resolved;
    }
    if (resource?.Type === 'AWS::SQS::Queue' && props.FifoQueue === true)
      return `${logicalId}.fifo`;
    return logicalId;
  }

  /** Resolves intrinsics in a template value; `where` names it in errors. */
  resolve(value: unknown, where: string): unknown {
    return resolveIntrinsics(value, this, where);
  }

  ref(logicalId: string): unknown {
    const parameter = this.template.Parameters?.[logicalId];
    if (parameter) return parameter.Default ?? '';
    const resource = this.template.Resources[logicalId];
    if (!resource) return undefined;
    switch (resource.Type) {
      case 'AWS::SQS::Queue':
        return this.queueUrl(logicalId);
      case 'AWS::ApiGatewayV2::Api':
      case 'AWS::ApiGateway::RestApi':
        return this.apiId(logicalId);
      default:
        return this.physicalName(logicalId);
    }
  }

  getAtt(logicalId: string, attribute: string): unknown {
    const resource = this.template.Resources[logicalId];
    if (!resource) return undefined;
    const name = this.physicalName(logicalId);
    const arn = (service: string, resourcePart: string) =>
      `arn:aws:${service}:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${resourcePart}`;
    switch (resource.Type) {
      case 'AWS::DynamoDB::Table':
        if (attribute === 'Arn') return arn('dynamodb', `table/${name}`);
        if (attribute === 'StreamArn') {
          return (
            this.runtime.streamArns.get(logicalId) ?? arn('dynamodb', `table/${name}/stream/local`)
          );
        }
        break;
      case 'AWS::SQS::Queue':
        if (attribute === 'Arn') return arn('sqs', name);
        if (attribute === 'QueueName') return name;
        if (attribute === 'QueueUrl') return this.queueUrl(logicalId);
        break;
      case 'AWS::Lambda::Function':
        if (attribute === 'Arn') return arn('lambda', `function:${name}`);
        break;
      case 'AWS::IAM::Role':
        if (attribute === 'Arn') return `arn:aws:iam::${LOCAL_ACCOUNT}:role/${name}`;
        if (attribute === 'RoleId') return name;
        break;
      case 'AWS::Logs::LogGroup':
        if (attribute === 'Arn') return arn('logs', `log-group:${name}:*`);
        break;
      case 'AWS::ApiGatewayV2::Api':
        if (attribute === 'ApiEndpoint') return this.runtime.apiUrl ?? this.remoteApiUrl(logicalId);
        if (attribute === 'ApiId') return this.apiId(logicalId);
        break;
    }
    // Anything else (alarms, policies, …) gets a stable local ARN-like value: nothing runs it.
    if (attribute === 'Arn') return arn('local', name);
    return `${name}.${attribute}`;
  }

  condition(name: string): boolean {
    const known = this.conditions.get(name);
    if (known !== undefined) return known;
    const definition = this.template.Conditions?.[name];
    if (definition === undefined) throw new IntrinsicError(`unknown condition ${name}`);
    const value = resolveIntrinsics(definition, this, `Conditions.${name}`) === true;
    this.conditions.set(name, value);
    return value;
  }

  private queueUrl(logicalId: string): string {
    const url = this.runtime.queueUrls.get(logicalId);
    if (url) return url;
    return `http://sqs.${LOCAL_REGION}.localhost/${LOCAL_ACCOUNT}/${this.physicalName(logicalId)}`;
  }

  /** The id of an HTTP/REST API: its logical id, lower-cased (API ids are lower-case). */
  apiId(logicalId: string): string {
    return logicalId.toLowerCase();
  }

  private remoteApiUrl(logicalId: string): string {
    return `https://${this.apiId(logicalId)}.execute-api.${LOCAL_REGION}.${LOCAL_URL_SUFFIX}`;
  }

  /** Replaces API Gateway URLs of this stack's APIs in a resolved string by the local URL. */
  localizeUrls(value: string): string {
    if (!this.runtime.apiUrl) return value;
    let out = value;
    for (const [logicalId] of [
      ...this.resourcesOf('AWS::ApiGatewayV2::Api'),
      ...this.resourcesOf('AWS::ApiGateway::RestApi'),
    ]) {
      out = out.split(this.remoteApiUrl(logicalId)).join(this.runtime.apiUrl);
    }
    return out;
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
