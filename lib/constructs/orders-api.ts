import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** `http`: API Gateway v2 HTTP API (default, a third of REST's price); `rest`: v1, for LocalStack's free plan. */
export type ApiType = 'http' | 'rest';

export interface OrdersApiProps {
  readonly type: ApiType;
  readonly handler: lambda.IFunction;
  readonly throttle: { readonly rateLimit: number; readonly burstLimit: number };
  readonly logRetention: logs.RetentionDays;
}

/**
 * The orders API: `POST /orders`, `GET /orders/{id}`, `GET /orders/{id}/events`, all proxied to
 * one function (Powertools' Router reads both event versions), throttled as a spend cap and
 * access-logged.
 */
export class OrdersApi extends Construct {
  /** The base URL, ending in `/`. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: OrdersApiProps) {
    super(scope, id);
    const accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.url =
      props.type === 'rest' ? this.restApi(props, accessLogs) : this.httpApi(props, accessLogs);
    Validations.of(this).acknowledge({
      id: 'AwsSolutions::AwsSolutions-APIG4',
      reason:
        'A public demo API with no user accounts; spend is capped by stage throttling. A deployer who needs callers identified adds a JWT authorizer (see README, "Deploy to AWS").',
    });
  }

  private httpApi(props: OrdersApiProps, accessLogs: logs.LogGroup): string {
    const integration = new HttpLambdaIntegration('ApiIntegration', props.handler);
    // $default sends every other method and path to the function too, so even those get a
    // problem+json answer (404 NOT_FOUND, 405 METHOD_NOT_ALLOWED) instead of the gateway's own.
    const api = new apigwv2.HttpApi(this, 'HttpApi', {
      description: 'mini-ec orders API',
      createDefaultStage: false,
      defaultIntegration: integration,
    });
    const stage = new apigwv2.HttpStage(this, 'HttpApiStage', {
      httpApi: api,
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle,
      accessLogSettings: { destination: new apigwv2.LogGroupLogDestination(accessLogs) },
    });
    api.addRoutes({ path: '/orders', methods: [apigwv2.HttpMethod.POST], integration });
    api.addRoutes({ path: '/orders/{id}', methods: [apigwv2.HttpMethod.GET], integration });
    api.addRoutes({ path: '/orders/{id}/events', methods: [apigwv2.HttpMethod.GET], integration });
    return stage.url;
  }

  private restApi(props: OrdersApiProps, accessLogs: logs.LogGroup): string {
    const api = new apigw.RestApi(this, 'RestApi', {
      description: 'mini-ec orders API (REST, for LocalStack)',
      cloudWatchRole: false,
      deployOptions: {
        stageName: 'api',
        throttlingRateLimit: props.throttle.rateLimit,
        throttlingBurstLimit: props.throttle.burstLimit,
        accessLogDestination: new apigw.LogGroupLogDestination(accessLogs),
        accessLogFormat: apigw.AccessLogFormat.jsonWithStandardFields(),
      },
    });
    const integration = new apigw.LambdaIntegration(props.handler);
    const orders = api.root.addResource('orders');
    orders.addMethod('POST', integration);
    const order = orders.addResource('{id}');
    order.addMethod('GET', integration);
    order.addResource('events').addMethod('GET', integration);
    Validations.of(api).acknowledge(
      {
        id: 'AwsSolutions::AwsSolutions-APIG2',
        reason:
          'The function validates every request and answers application/problem+json with a stable code; an API Gateway validator would answer in its own format first.',
      },
      {
        id: 'AwsSolutions::AwsSolutions-APIG3',
        reason:
          'No WAF on a demo API (a web ACL costs more per month than the demo); throttling caps traffic.',
      },
      {
        id: 'AwsSolutions::AwsSolutions-APIG6',
        reason:
          'Access logs are on; execution logging needs an account-wide CloudWatch role, which a stack for LocalStack or a personal account should not own.',
      },
      {
        id: 'AwsSolutions::AwsSolutions-COG4',
        reason: 'No user pool: a public demo API (see APIG4).',
      },
    );
    return api.url;
  }
}
