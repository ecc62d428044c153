// The Query API's answer to one HTTP request, apart from any HTTP library: the Fastify app (every route)
// and the start-up listener (the API before Fastify has loaded) both send what this returns, so the
// two cannot drift apart.
import crypto from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { ACTIONS } from './actions/index.ts';
import { CONSOLE_PATH } from './console/routes.ts';
import { injectedApiError } from './faults/api-errors.ts';
import { decodeInput } from './protocol/decode.ts';
import { encodeError, encodeResponse } from './protocol/encode.ts';
import { ApiError, commonError } from './protocol/errors.ts';
import { API_VERSION, OPERATIONS } from './protocol/operations.ts';
import { authenticate } from './protocol/scope.ts';
import type { Scope } from './store/records.ts';
import type { World } from './world.ts';

export const CA_PATH = '/_elasticache-local/ca.pem';
export const HEALTH_PATH = '/_elasticache-local/health';
export const CLOCK_PATH = '/_elasticache-local/clock';

export interface QueryRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** The form body as text; undefined when the request had none (GET). */
  body: string | undefined;
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

function formParams(url: string, body: string | undefined): URLSearchParams {
  const params = new URLSearchParams(url.includes('?') ? url.slice(url.indexOf('?') + 1) : '');
  if (body !== undefined && body.length > 0) {
    for (const [k, v] of new URLSearchParams(body)) params.append(k, v);
  }
  return params;
}

async function dispatch(world: World, params: URLSearchParams, scope: Scope, requestId: string): Promise<string> {
  const action = params.get('Action');
  if (!action) throw commonError('MissingAction', 'The request must contain the parameter Action.');
  // AWS's query services look an operation up by action and version together: a missing or other
  // Version finds no operation, worded as they word it.
  const version = params.get('Version') || 'NO_VERSION_SPECIFIED';
  const operation = version === API_VERSION ? OPERATIONS.get(action) : undefined;
  if (!operation) throw commonError('InvalidAction', `Could not find operation ${action} for version ${version}`);
  const handler = ACTIONS[action];
  if (!handler) {
    throw commonError('InvalidAction', `The action ${action} is not implemented by elasticache-local yet.`);
  }
  const entries = [...params].filter(([k]) => k !== 'Action' && k !== 'Version' && !k.startsWith('X-Amz-'));
  const input = decodeInput(operation.input, entries);
  const output = await handler(input as never, { world, scope, requestId });
  return encodeResponse(action, operation.output, output, requestId);
}

/** The XML error envelope with the error's AWS status. */
export function errorAnswer(err: ApiError, requestId: string = crypto.randomUUID()): HttpAnswer {
  return {
    status: err.status,
    headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
    body: encodeError(err.type, err.code, err.message, requestId),
  };
}

export function internalFailure(): ApiError {
  return commonError('InternalFailure', 'The request processing has failed because of an unknown error.');
}

export function bodyTooLarge(maxBodyBytes: number): ApiError {
  return commonError('RequestEntityTooLarge', `Request body larger than ${maxBodyBytes} bytes.`);
}

/**
 * Answers GET or POST on `/`. A failure that is not an ApiError is reported through `logInternal`
 * (the request's own logger) and answered as InternalFailure.
 */
export async function answerQuery(world: World, request: QueryRequest, logInternal: (err: unknown) => void): Promise<HttpAnswer> {
  const requestId = crypto.randomUUID();
  const params = formParams(request.url, request.body);
  if (request.method === 'GET' && !params.has('Action')) {
    // A browser opening the emulator's address gets the console.
    if (request.headers.accept?.includes('text/html')) return { status: 302, headers: { location: CONSOLE_PATH }, body: '' };
    return {
      status: 200,
      headers: { 'content-type': 'text/plain' },
      body: `elasticache-local: ElastiCache API ${API_VERSION}. POST form-encoded Action=... here.\n`,
    };
  }
  try {
    const body = request.body ?? '';
    const scope = authenticate({ method: request.method, url: request.url, headers: request.headers, body }, world.config);
    const injected = injectedApiError(world, scope, params.get('Action'));
    if (injected) throw injected;
    const xml = await dispatch(world, params, scope, requestId);
    return { status: 200, headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId }, body: xml };
  } catch (err) {
    if (err instanceof ApiError) return errorAnswer(err, requestId);
    logInternal(err);
    return errorAnswer(internalFailure(), requestId);
  }
}
