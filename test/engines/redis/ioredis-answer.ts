// One command through ioredis, its reply or its error's text, so that two servers' answers compare as values.
import type { Redis } from 'ioredis';

export async function answer(c: Redis, args: (string | number)[]): Promise<unknown> {
  try {
    return await c.call(String(args[0]), ...args.slice(1).map(String));
  } catch (err) {
    return `ERR! ${(err as Error).message}`;
  }
}
