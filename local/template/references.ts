/**
 * What a template's references resolve to locally: physical names (the logical id unless the
 * template names the resource), local ARNs and URLs, Ref, Fn::GetAtt and conditions. The
 * values only the running emulators know (a queue's URL, a table's stream ARN, the API's URL)
 * are asked of them through RuntimeValues.
 */
import type { CfnResource, CfnTemplate, LoadedStack } from './assembly.js';
import {
  IntrinsicError,
  LOCAL_ACCOUNT,
  LOCAL_REGION,
  LOCAL_URL_SUFFIX,
  type ResourceLookup,
  resolveIntrinsics,
} from './intrinsics.js';

/** What the running emulators know; undefined before they run (placeholders are used then). */
export interface RuntimeValues {
  queueUrl(logicalId: string): string | undefined;
  streamArn(logicalId: string): string | undefined;
  apiUrl(): string | undefined;
}

/** Before the emulators run: no value known. */
export const NOT_RUNNING: RuntimeValues = {
  queueUrl: () => undefined,
  streamArn: () => undefined,
  apiUrl: () => undefined,
};

export class StackReferences implements ResourceLookup {
  private readonly conditions = new Map<string, boolean>();

  constructor(
    readonly stack: LoadedStack,
    private readonly runtime: RuntimeValues = NOT_RUNNING,
  ) {}

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
              : resource?.Type === 'AWS::SNS::Topic'
                ? props.TopicName
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
      case 'AWS::SNS::Topic':
        return this.getAtt(logicalId, 'TopicArn');
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
          return this.runtime.streamArn(logicalId) ?? arn('dynamodb', `table/${name}/stream/local`);
        }
        break;
      case 'AWS::SQS::Queue':
        if (attribute === 'Arn') return arn('sqs', name);
        if (attribute === 'QueueName') return name;
        if (attribute === 'QueueUrl') return this.queueUrl(logicalId);
        break;
      case 'AWS::SNS::Topic':
        if (attribute === 'TopicArn') return arn('sns', name);
        if (attribute === 'TopicName') return name;
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
        if (attribute === 'ApiEndpoint')
          return this.runtime.apiUrl() ?? this.remoteApiUrl(logicalId);
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
    const url = this.runtime.queueUrl(logicalId);
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
    const apiUrl = this.runtime.apiUrl();
    if (!apiUrl) return value;
    let out = value;
    for (const [logicalId] of [
      ...this.resourcesOf('AWS::ApiGatewayV2::Api'),
      ...this.resourcesOf('AWS::ApiGateway::RestApi'),
    ]) {
      out = out.split(this.remoteApiUrl(logicalId)).join(apiUrl);
    }
    return out;
  }
}
