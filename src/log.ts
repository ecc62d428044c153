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

const fastifyRequire = createRequire(createRequire(import.meta.url).resolve('fastify'));
const pino = fastifyRequire('pino') as Pino;

/** JSON lines on stdout, as pino writes them, at `level` and above. */
export function createLogger(level: LogLevel): Logger {
  return pino({ name: 'elasticache-local', level });
}
