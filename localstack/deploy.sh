#!/usr/bin/env bash
# Deploys the CDK app to a LocalStack running on 127.0.0.1:4566 with cdklocal.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${LOCALSTACK_AUTH_TOKEN:?set LOCALSTACK_AUTH_TOKEN: LocalStack images do not start without it}"
curl -fsS http://127.0.0.1:4566/_localstack/health >/dev/null \
  || { echo "LocalStack is not answering on 127.0.0.1:4566 (see localstack/README.md)"; exit 1; }
export AWS_REGION="${AWS_REGION:-us-east-1}" CDK_DISABLE_CLI_TELEMETRY=true
npx --yes aws-cdk-local@3 bootstrap -c apiType=rest
npx --yes aws-cdk-local@3 deploy -c apiType=rest --require-approval never --outputs-file localstack/outputs.json
echo "outputs: localstack/outputs.json (use: npx mini-ec --stack-outputs localstack/outputs.json …)"
