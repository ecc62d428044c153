import { ApiError } from '../protocol/errors.ts';
import type { Scope } from '../store/records.ts';
import type { World } from '../world.ts';
import { faultsOf } from './registry.ts';

/**
 * The error an api-error fault makes this request answer, or undefined. Codes and statuses are AWS's for
 * the Query API: the SDKs retry both (Throttling with their throttling back-off).
 */
export function injectedApiError(world: World, scope: Scope, action: string | null): ApiError | undefined {
  if (action === null) return undefined;
  const faults = faultsOf(world);
  const id = faults.find(
    (r, s) => r.action === 'api-error' && (r.target === action || r.target === '*') && s.account === scope.account && s.region === scope.region,
  );
  if (id === undefined) return undefined;
  const error = faults.requestOf(id)?.error ?? 'ThrottlingException';
  faults.consume(id);
  return error === 'ServiceUnavailable'
    ? new ApiError('ServiceUnavailable', 'Service is unavailable. Please try again later.', 503)
    : new ApiError('Throttling', 'Rate exceeded', 400);
}
