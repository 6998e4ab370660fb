import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AssetHashType, DockerImage, type Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import * as esbuild from 'esbuild';
import { sourceMapsFrom } from '../config.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** What the bundles take for @aws-sdk/credential-provider-node, relative to the project root. */
const LAMBDA_CREDENTIALS = 'lambdas/shared/lambda-credentials.ts';

export interface SagaFunctionProps {
  /** Folder under `lambdas/` holding `handler.ts`. */
  readonly handlerDir: string;
  /** Powertools service name: the `service` of every log line. */
  readonly serviceName: string;
  readonly timeout: Duration;
  readonly memorySize?: number;
  readonly environment?: Record<string, string>;
  readonly logRetention: logs.RetentionDays;
  readonly logLevel: string;
}

/**
 * A function of the saga with the project's defaults: Node.js 24 on arm64, small memory,
 * bundled by local esbuild (no Docker) with the pinned AWS SDK inside the bundle, JSON logs
 * into an owned log group with retention, destroyed with the stack.
 */
export class SagaFunction extends Construct {
  readonly fn: lambda.Function;
  readonly logGroup: logs.LogGroup;
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: SagaFunctionProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // An own role instead of AWSLambdaBasicExecutionRole: it may write to its own log group
    // and nowhere else; the stack adds each data grant the function uses.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of the ${props.serviceName} function`,
    });
    this.logGroup.grantWrite(this.role);
    const sourceMaps = sourceMapsFrom(this.node);
    this.fn = new lambda.Function(this, 'Function', {
      role: this.role,
      code: bundledCode(props.handlerDir, sourceMaps),
      handler: 'index.handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      tracing: lambda.Tracing.DISABLED,
      environment: {
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_LOG_LEVEL: props.logLevel,
        ...(sourceMaps ? { NODE_OPTIONS: '--enable-source-maps' } : {}),
        ...props.environment,
      },
    });
  }
}

/**
 * The function's asset: `lambdas/<handlerDir>/handler.ts` bundled by esbuild's API, in this
 * process, into `index.mjs` (the asset hash is the output's, as NodejsFunction's). What aws-lambda-nodejs's
 * NodejsFunction would run, without its `npx --no-install esbuild` per function: starting npm
 * cost 0.7 s of CPU per bundle, 3.5 s of each synth here, against 0.01 s for the binary.
 */
function bundledCode(handlerDir: string, sourceMaps: boolean): lambda.Code {
  return lambda.Code.fromAsset(path.join(repoRoot, 'lambdas', handlerDir), {
    // The hash of the bundle, not of lambdas/<handlerDir>: the bundle also holds lambdas/shared
    // and the packages, and with a source hash CDK would skip bundling (and a deploy would keep
    // the old code) when only those changed.
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // Only if local bundling cannot run (it always can: esbuild is a dependency).
      image: DockerImage.fromRegistry('public.ecr.aws/sam/build-nodejs24.x'),
      local: {
        tryBundle(outputDir: string): boolean {
          esbuild.buildSync({
            absWorkingDir: repoRoot,
            entryPoints: [path.join('lambdas', handlerDir, 'handler.ts')],
            outfile: path.join(outputDir, 'index.mjs'),
            bundle: true,
            platform: 'node',
            target: 'node24',
            minify: true,
            // Off by default (-c sourceMaps=true turns them on): a map roughly doubles the
            // asset and --enable-source-maps slows every stack trace.
            sourcemap: sourceMaps,
            // ESM lets esbuild tree-shake the SDK's dist-es builds (about 40 % smaller than
            // CJS). The banner gives the CJS dependencies that call require() a working one.
            format: 'esm',
            mainFields: ['module', 'main'],
            banner: {
              js: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
            },
            // The SDK is bundled (pinned by our lockfile) rather than taken from the runtime,
            // so what runs in AWS is exactly what the tests and the local cloud ran. Lambda
            // hands a function its credentials in environment variables: the bundles get the
            // default chain's env link alone (see lambdas/shared/lambda-credentials.ts).
            alias: { '@aws-sdk/credential-provider-node': `./${LAMBDA_CREDENTIALS}` },
            logLevel: 'warning',
          });
          return true;
        },
      },
    },
  });
}

/** Lets `caller` invoke exactly `target` (its unqualified ARN: no versions, no aliases). */
export function grantInvokeUnqualified(target: SagaFunction, caller: SagaFunction): void {
  caller.role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['lambda:InvokeFunction'],
      resources: [target.fn.functionArn],
    }),
  );
}
