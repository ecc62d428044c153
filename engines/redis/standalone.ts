// `node bin/run-ts.mjs engines/redis/standalone.ts --port N`: a bare server for manual use and benchmarks.
import { parseMemory } from './config.ts';
import { createRedisServer } from './index.ts';

export async function runStandalone(argv: string[]): Promise<void> {
  let port = 6379;
  let host = '127.0.0.1';
  let requirepass: string | undefined;
  let maxmemory: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    if (a === '--port' && v !== undefined) port = Number(v);
    else if (a === '--host' && v !== undefined) host = v;
    else if (a === '--requirepass' && v !== undefined) requirepass = v;
    else if (a === '--maxmemory' && v !== undefined) {
      const bytes = parseMemory(v);
      if (bytes === null) throw new Error(`invalid --maxmemory: ${v}`);
      maxmemory = bytes;
    }
    else throw new Error(`unknown argument: ${a}`);
    i++;
  }
  const server = createRedisServer({ port, host, requirepass, maxmemory });
  server.engine.notice = (message) => console.log(`${process.pid}:M ${logTime(new Date())} * ${message}`);
  const bound = await server.listen();
  console.log(`Ready to accept connections tcp on ${host}:${bound}`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void server.close().then(resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** redis-server's log time: 27 Nov 2026 18:04:35.123 (local time). */
function logTime(d: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  const hms = `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
  return `${two(d.getDate())} ${MONTHS[d.getMonth()]} ${d.getFullYear()} ${hms}`;
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'));
if (invokedDirectly) {
  runStandalone(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
