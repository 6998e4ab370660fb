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
  /**
   * CDK's built-in CloudFormation template validation (default true, as `cdk synth` runs it).
   * The local cloud's synths turn it off: it costs about 3 s of a synth in a new process
   * (mostly its WASM engine's start), changes nothing in the template, and test/infra/stack.test.ts runs it on the
   * same template. cdk-nag's AwsSolutions checks run on every synth either way.
   */
  readonly builtinCloudFormationValidation?: boolean;
}

/**
 * The CDK app: the mini-ec stack with cdk-nag's AwsSolutions pack on every synth.
 * Any finding that is neither fixed nor acknowledged in code fails the synth.
 */
export function buildApp(options: BuildAppOptions = {}): App {
  const app = new App({
    outdir: options.outdir,
    context: options.context,
    builtinCloudFormationValidation: options.builtinCloudFormationValidation ?? true,
  });
  new MiniEcStack(app, STACK_NAME, {
    description: 'mini-ec: serverless order-processing saga (HTTP API, Lambda, DynamoDB, SQS)',
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return app;
}
