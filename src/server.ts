// The full HTTP surface on Fastify: the Query API, the CA, health, clock, the test routes and the console.
// It is loaded on the first request the start-up listener (http-listener.ts) does not answer itself.
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import { registerTestRoutes } from './faults/routes.ts';
import { registerConsole } from './console/routes.ts';
import { answerQuery, bodyTooLarge, CA_PATH, CLOCK_PATH, errorAnswer, HEALTH_PATH, internalFailure, type HttpAnswer } from './query-api.ts';
import { commonError } from './protocol/errors.ts';
import type { World } from './world.ts';

export { CA_PATH, CLOCK_PATH, HEALTH_PATH };

function send(reply: FastifyReply, answer: HttpAnswer): FastifyReply {
  // An empty answer (the console redirect) is sent as no payload, so Fastify adds no content type.
  return reply.code(answer.status).headers(answer.headers).send(answer.body === '' ? undefined : answer.body);
}

/** What the start-up listener hands in so Fastify serves on its server and numbers requests on from it. */
export interface AppHost {
  serverFactory: NonNullable<FastifyServerOptions['serverFactory']>;
  genReqId: () => string;
}

export function buildApp(world: World, host?: AppHost): FastifyInstance {
  const config = world.config;
  // The emulator's one logger; requests are logged only when asked for (--log-requests).
  const app = Fastify({
    loggerInstance: world.log,
    logController: new LogController({ disableRequestLogging: !config.logRequests }),
    bodyLimit: config.maxBodyBytes,
    ...(host && { serverFactory: host.serverFactory, genReqId: host.genReqId }),
  });
  app.removeAllContentTypeParsers();
  // The Query API is a form body; anything else is read as text and parsed the same way.
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  const handle = async (request: FastifyRequest, reply: FastifyReply) => {
    const body = typeof request.body === 'string' ? request.body : undefined;
    const query = { method: request.method, url: request.url, headers: request.headers, body };
    return send(reply, await answerQuery(world, query, (err) => request.log.error({ err }, 'internal error')));
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
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return send(reply, errorAnswer(bodyTooLarge(config.maxBodyBytes)));
    if (error.statusCode && error.statusCode < 500) return send(reply, errorAnswer(commonError('MalformedQueryString', error.message)));
    request.log.error({ err: error }, 'internal error');
    return send(reply, errorAnswer(internalFailure()));
  });
  app.setNotFoundHandler((request, reply) =>
    send(reply, errorAnswer(commonError('InvalidAction', `No such endpoint ${request.method} ${request.url}; the API answers on /.`))),
  );
  return app;
}
