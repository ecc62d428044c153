import type { Scope } from '../store/records.ts';

export const FAULT_ACTIONS = [
  'crash-node',
  'stop-node',
  'lose-az',
  'cut-replication',
  'delay-replication',
  'add-latency',
  'drop-connections',
  'fill-memory',
  'api-error',
] as const;
export type FaultAction = (typeof FAULT_ACTIONS)[number];

export const API_ERRORS = ['ThrottlingException', 'ServiceUnavailable'] as const;
export type ApiErrorName = (typeof API_ERRORS)[number];

/** The JSON body of POST /_elasticache-local/faults (see the README for what each action does). */
export interface FaultRequest {
  action: FaultAction;
  /** `<cache cluster id>[/<node id>]` or a replication group id; an availability zone (lose-az); an API action name or `*` (api-error). */
  target: string;
  /** How many times it applies (api-error: failed requests; drop-connections: connections reset). */
  count?: number;
  /** How long it lasts; without it (and without a count) it lasts until deleted. */
  durationMs?: number;
  /** add-latency: added to every request on the node. */
  latencyMs?: number;
  /** delay-replication: how far the replica trails its primary. */
  delayMs?: number;
  /** fill-memory: how full the node gets, in percent of its maxmemory (default 100). */
  percent?: number;
  /** api-error: which error (default ThrottlingException). */
  error?: ApiErrorName;
  /** Defaults: the emulator's --account-id and --region. */
  account?: string;
  region?: string;
}

/** One fault as GET /_elasticache-local/faults lists it. */
export interface FaultView {
  id: string;
  action: FaultAction;
  target: string;
  account: string;
  region: string;
  createdAt: string;
  /** When a duration ends it; absent for faults that last until deleted or counted down. */
  expiresAt?: string;
  /** Applications left, for counted faults. */
  remaining?: number;
  options: Omit<FaultRequest, 'action' | 'target' | 'count' | 'durationMs' | 'account' | 'region'>;
  /** The nodes it touches, as `<cluster>/<node>`. */
  nodes: string[];
}

export class FaultRequestError extends Error {}

const MAX_DURATION_MS = 24 * 3600_000;
const MAX_LATENCY_MS = 60_000;

function optionalInt(body: Record<string, unknown>, name: string, min: number, max: number): number | undefined {
  const v = body[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new FaultRequestError(`${name} must be an integer from ${min} to ${max}`);
  }
  return v;
}

function optionalString(body: Record<string, unknown>, name: string): string | undefined {
  const v = body[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.length === 0 || v.length > 255) throw new FaultRequestError(`${name} must be a non-empty string`);
  return v;
}

const KNOWN_FIELDS = new Set(['action', 'target', 'count', 'durationMs', 'latencyMs', 'delayMs', 'percent', 'error', 'account', 'region']);

/** Checks a request body against the contract; the message of the error is the 400's. */
export function parseFaultRequest(text: string): FaultRequest {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new FaultRequestError('the body must be a JSON object: {"action": ..., "target": ...}');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new FaultRequestError('the body must be a JSON object');
  const b = body as Record<string, unknown>;
  for (const k of Object.keys(b)) if (!KNOWN_FIELDS.has(k)) throw new FaultRequestError(`unknown field ${k}`);
  const action = b.action;
  if (typeof action !== 'string' || !(FAULT_ACTIONS as readonly string[]).includes(action)) {
    throw new FaultRequestError(`action must be one of ${FAULT_ACTIONS.join(', ')}`);
  }
  const target = optionalString(b, 'target');
  if (target === undefined) throw new FaultRequestError('target is required');
  const error = optionalString(b, 'error');
  if (error !== undefined && !(API_ERRORS as readonly string[]).includes(error)) throw new FaultRequestError(`error must be one of ${API_ERRORS.join(', ')}`);
  const request: FaultRequest = {
    action: action as FaultAction,
    target,
    count: optionalInt(b, 'count', 1, 1_000_000),
    durationMs: optionalInt(b, 'durationMs', 1, MAX_DURATION_MS),
    latencyMs: optionalInt(b, 'latencyMs', 0, MAX_LATENCY_MS),
    delayMs: optionalInt(b, 'delayMs', 1, MAX_LATENCY_MS),
    percent: optionalInt(b, 'percent', 1, 100),
    error: error as ApiErrorName | undefined,
    account: optionalString(b, 'account'),
    region: optionalString(b, 'region'),
  };
  if (request.count !== undefined && request.durationMs !== undefined) throw new FaultRequestError('give a count or a durationMs, not both');
  if (request.action === 'add-latency' && request.latencyMs === undefined) throw new FaultRequestError('add-latency needs latencyMs');
  if (request.action === 'delay-replication' && request.delayMs === undefined) throw new FaultRequestError('delay-replication needs delayMs');
  const counted = new Set<FaultAction>(['api-error', 'drop-connections']);
  if (request.count !== undefined && !counted.has(request.action)) {
    throw new FaultRequestError(`${request.action} takes a durationMs, not a count`);
  }
  return request;
}

export function scopeOfRequest(request: FaultRequest, defaults: Scope): Scope {
  return { account: request.account ?? defaults.account, region: request.region ?? defaults.region };
}
