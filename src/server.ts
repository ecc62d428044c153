import crypto from 'node:crypto';
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { ACTIONS } from './actions/index.ts';
import { decodeInput } from './protocol/decode.ts';
import { encodeError, encodeResponse } from './protocol/encode.ts';
import { ApiError, commonError } from './protocol/errors.ts';
import { API_VERSION, OPERATIONS } from './protocol/operations.ts';
import { authenticate } from './protocol/scope.ts';
import type { Scope } from './store/records.ts';
import { registerTestRoutes } from './faults/routes.ts';
import { CONSOLE_PATH, registerConsole } from './console/routes.ts';
import { injectedApiError } from './faults/api-errors.ts';
import type { World } from './world.ts';

export const CA_PATH = '/_elasticache-local/ca.pem';
export const HEALTH_PATH = '/_elasticache-local/health';
export const CLOCK_PATH = '/_elasticache-local/clock';

function formParams(request: FastifyRequest): URLSearchParams {
  const params = new URLSearchParams(request.url.includes('?') ? request.url.slice(request.url.indexOf('?') + 1) : '');
  if (typeof request.body === 'string' && request.body.length > 0) {
    for (const [k, v] of new URLSearchParams(request.body)) params.append(k, v);
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

function sendError(reply: FastifyReply, err: ApiError, requestId: string): FastifyReply {
  return reply
    .code(err.status)
    .header('content-type', 'text/xml')
    .header('x-amzn-requestid', requestId)
    .send(encodeError(err.type, err.code, err.message, requestId));
}

export function buildApp(world: World): FastifyInstance {
  const config = world.config;
  // The emulator's one logger; requests are logged only when asked for (--log-requests).
  const app = Fastify({
    loggerInstance: world.log,
    logController: new LogController({ disableRequestLogging: !config.logRequests }),
    bodyLimit: config.maxBodyBytes,
  });
  app.removeAllContentTypeParsers();
  // The Query API is a form body; anything else is read as text and parsed the same way.
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  const handle = async (request: FastifyRequest, reply: FastifyReply) => {
    const requestId = crypto.randomUUID();
    const params = formParams(request);
    if (request.method === 'GET' && !params.has('Action')) {
      // A browser opening the emulator's address gets the console.
      if (request.headers.accept?.includes('text/html')) return reply.redirect(CONSOLE_PATH);
      return reply.type('text/plain').send(`elasticache-local: ElastiCache API ${API_VERSION}. POST form-encoded Action=... here.\n`);
    }
    try {
      const body = typeof request.body === 'string' ? request.body : '';
      const scope = authenticate({ method: request.method, url: request.url, headers: request.headers, body }, config);
      const injected = injectedApiError(world, scope, params.get('Action'));
      if (injected) throw injected;
      const xml = await dispatch(world, params, scope, requestId);
      return reply.header('content-type', 'text/xml').header('x-amzn-requestid', requestId).send(xml);
    } catch (err) {
      if (err instanceof ApiError) return sendError(reply, err, requestId);
      request.log.error({ err }, 'internal error');
      return sendError(reply, commonError('InternalFailure', 'The request processing has failed because of an unknown error.'), requestId);
    }
  };
  app.post('/', handle);
  app.get('/', handle);
  app.get(CA_PATH, async (_req, reply) => reply.type('application/x-pem-file').send(world.runtime.tls().caPem));
  app.get(HEALTH_PATH, async () => ({ status: 'ok' }));
  registerTestRoutes(app, world);
  registerConsole(app, world);
  // The emulator's clock: GET reads it, POST ?advanceMs=N moves it forward (tests of snapshot windows).
  app.get(CLOCK_PATH, async () => ({ now: new Date(world.now()).toISOString() }));
  app.post(CLOCK_PATH, async (request, reply) => {
    const advance = Number(new URLSearchParams(request.url.split('?')[1] ?? '').get('advanceMs'));
    if (!Number.isSafeInteger(advance) || advance < 0) {
      return reply.code(400).send({ error: 'advanceMs must be a non-negative integer number of milliseconds' });
    }
    world.advanceClock(advance);
    return { now: new Date(world.now()).toISOString() };
  });

  app.setErrorHandler((error: { statusCode?: number; code?: string; message: string }, request, reply) => {
    const requestId = crypto.randomUUID();
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return sendError(reply, commonError('RequestEntityTooLarge', `Request body larger than ${config.maxBodyBytes} bytes.`), requestId);
    }
    if (error.statusCode && error.statusCode < 500) {
      return sendError(reply, commonError('MalformedQueryString', error.message), requestId);
    }
    request.log.error({ err: error }, 'internal error');
    return sendError(reply, commonError('InternalFailure', 'The request processing has failed because of an unknown error.'), requestId);
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(reply, commonError('InvalidAction', `No such endpoint ${request.method} ${request.url}; the API answers on /.`), crypto.randomUUID()),
  );
  return app;
}
