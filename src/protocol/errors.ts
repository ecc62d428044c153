import type * as sdk from '@aws-sdk/client-elasticache';
import { elastiCacheSdk } from './sdk.ts';

/**
 * Every fault the API answers is one of these, thrown once and encoded in one place (server.ts).
 * Codes and statuses of modelled faults come from the SDK's own error schemas, so they cannot drift
 * from what clients expect; the query-protocol common errors are not modelled there and are listed here.
 */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly type: 'Sender' | 'Receiver' = status >= 500 ? 'Receiver' : 'Sender',
  ) {
    super(message);
  }
}

const COMMON_ERRORS = {
  MissingParameter: 400,
  InvalidAction: 400,
  InvalidParameterValue: 400,
  InvalidParameterCombination: 400,
  MalformedQueryString: 400,
  MissingAction: 400,
  InvalidClientTokenId: 403,
  SignatureDoesNotMatch: 403,
  MissingAuthenticationToken: 403,
  IncompleteSignature: 400,
  RequestEntityTooLarge: 413,
  InternalFailure: 500,
} as const;
export type CommonErrorCode = keyof typeof COMMON_ERRORS;

type SdkErrorName = {
  [K in keyof typeof sdk]: K extends `${infer N}$` ? (typeof sdk)[K] extends readonly [-3, ...unknown[]] ? N : never : never;
}[keyof typeof sdk];

interface ErrorTraits {
  awsQueryError?: readonly [string, number];
  httpError?: number;
}

let sdkErrors: Map<string, { code: string; status: number }> | undefined;

function loadSdkErrors(): Map<string, { code: string; status: number }> {
  const errors = new Map<string, { code: string; status: number }>();
  for (const [exportName, value] of Object.entries(elastiCacheSdk())) {
    if (!exportName.endsWith('$') || !Array.isArray(value) || value[0] !== -3) continue;
    const traits = value[3] as ErrorTraits;
    const [code, status] = traits.awsQueryError ?? [value[2] as string, traits.httpError ?? 400];
    errors.set(value[2] as string, { code, status });
  }
  return errors;
}

/** A fault modelled by the SDK, by its shape name (e.g. `ReplicationGroupNotFoundFault`). */
export function fault(shape: SdkErrorName, message: string): ApiError {
  const known = (sdkErrors ??= loadSdkErrors()).get(shape);
  if (!known) throw new Error(`no SDK error schema named ${shape}`);
  return new ApiError(known.code, message, known.status);
}

/** A query-protocol error that the service model leaves implicit. */
export function commonError(code: CommonErrorCode, message: string): ApiError {
  return new ApiError(code, message, COMMON_ERRORS[code]);
}

export const invalidValue = (message: string) => fault('InvalidParameterValueException', message);
export const invalidCombination = (message: string) => fault('InvalidParameterCombinationException', message);
export const missingParameter = (name: string) =>
  commonError('MissingParameter', `The request must contain the parameter ${name}`);
