// One structured logger for the whole emulator: the pino that Fastify already depends on (resolved
// through Fastify, so it is the very copy Fastify uses), shared by the API's request log and every
// lifecycle, snapshot and fault message.
import { createRequire } from 'node:module';
import type { FastifyBaseLogger } from 'fastify';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type Logger = FastifyBaseLogger;

export function isLogLevel(text: string): text is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(text);
}

type Pino = (options: { name: string; level: LogLevel }) => Logger;

function loadPino(): Pino {
  const fastifyRequire = createRequire(createRequire(import.meta.url).resolve('fastify'));
  return fastifyRequire('pino') as Pino;
}

/**
 * JSON lines on stdout, as pino writes them, at `level` and above. pino is loaded when the logger is first
 * used, not at start: loading it is a tenth of a start, and a start logs nothing.
 */
export function createLogger(level: LogLevel): Logger {
  let logger: Logger | undefined;
  const real = (): Logger => (logger ??= loadPino()({ name: 'elasticache-local', level }));
  return new Proxy({} as Logger, {
    get(_, property) {
      const value: unknown = Reflect.get(real(), property);
      return typeof value === 'function' ? value.bind(real()) : value;
    },
    set(_, property, value) {
      return Reflect.set(real(), property, value);
    },
    has(_, property) {
      return Reflect.has(real(), property);
    },
  });
}
