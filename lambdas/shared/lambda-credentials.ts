/**
 * Where every SDK client of a function gets its credentials: the execution role's credentials
 * that Lambda puts in AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN (LocalStack
 * and the local cloud set the same variables).
 *
 * The function bundles resolve `@aws-sdk/credential-provider-node` to this module (see
 * lib/constructs/saga-function.ts). Every client's runtime config imports that package's default
 * chain, so passing `credentials` to a client would still bundle the chain's SSO, ini, process,
 * web-identity, container and instance-metadata providers, with the STS, SSO and sign-in clients
 * they nest (about 120 KiB of each bundle). In Lambda that chain never gets past its first link,
 * fromEnv: this module is that link, memoized as the chain memoizes it.
 */
import { type FromEnvInit, fromEnv } from '@aws-sdk/credential-provider-env';
import {
  doesIdentityRequireRefresh,
  isIdentityExpired,
  memoizeIdentityProvider,
} from '@smithy/core';

type CredentialProvider = ReturnType<typeof fromEnv>;

/** Replaces `defaultProvider` of @aws-sdk/credential-provider-node inside the bundles. */
export function defaultProvider(init?: FromEnvInit): CredentialProvider {
  // Refreshed like the default chain's result: only when it carries an expiration that is near.
  const memoized = memoizeIdentityProvider(
    fromEnv(init),
    isIdentityExpired,
    doesIdentityRequireRefresh,
  );
  // memoizeIdentityProvider returns undefined only when it is given no provider.
  return memoized as CredentialProvider;
}
