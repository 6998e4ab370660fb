import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { MiniEcStack } from './mini-ec-stack.js';

/** The stack's construct id, also the local cloud's and the CLI's default stack name. */
export const STACK_NAME = 'MiniEc';

export interface BuildAppOptions {
  /** Cloud assembly directory (default: the CDK CLI's, or `cdk.out`). */
  readonly outdir?: string;
  /** Extra CDK context, e.g. fault settings for a local run. */
  readonly context?: Record<string, unknown>;
}

/**
 * The CDK app: the mini-ec stack with cdk-nag's AwsSolutions pack on every synth.
 * Any finding that is neither fixed nor acknowledged in code fails the synth.
 */
export function buildApp(options: BuildAppOptions = {}): App {
  const app = new App({ outdir: options.outdir, context: options.context });
  new MiniEcStack(app, STACK_NAME, {
    description: 'mini-ec: serverless order-processing saga (HTTP API, Lambda, DynamoDB, SQS)',
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return app;
}
