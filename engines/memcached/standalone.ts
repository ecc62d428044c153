// `elasticache-local memcached --port N`: one node outside the control plane, e.g. for client tests.
import { createMemcachedServer, type MemcachedServerOptions } from './server.ts';

/** Parses -I values like memcached: plain bytes or a k/m suffix. */
function parseSize(text: string): number {
  const m = /^(\d+)([kKmM]?)$/.exec(text);
  if (!m) throw new Error(`invalid size: ${text}`);
  const n = Number(m[1]);
  const unit = m[2]!.toLowerCase();
  return unit === 'k' ? n * 1024 : unit === 'm' ? n * 1024 * 1024 : n;
}

export function parseStandaloneArgs(argv: string[]): MemcachedServerOptions {
  const options: MemcachedServerOptions = { port: 11211 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`missing value for ${arg}`);
      return v;
    };
    switch (arg) {
      case '--port':
      case '-p':
        options.port = Number(value());
        break;
      case '--udp-port':
      case '-U':
        // memcached's -U: UDP as well (-1 for an ephemeral port); off unless given.
        options.udpPort = Number(value());
        break;
      case '--host':
      case '-l':
        options.host = value();
        break;
      case '-m':
      case '--memory-limit':
        options.memoryLimit = Number(value()) * 1024 * 1024;
        break;
      case '-I':
      case '--max-item-size':
        options.maxItemSize = parseSize(value());
        break;
      case '-c':
      case '--max-connections':
        options.maxConnections = Number(value());
        break;
      case '-A':
      case '--enable-shutdown':
        options.settings = { ...options.settings, shutdownCommand: true };
        break;
      default:
        throw new Error(`unknown option: ${arg}`);
    }
  }
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) {
    throw new Error(`invalid port: ${options.port}`);
  }
  const udp = options.udpPort;
  if (udp !== undefined && (!Number.isInteger(udp) || udp < -1 || udp > 65535)) throw new Error(`invalid UDP port: ${udp}`);
  return options;
}

export async function runStandalone(argv: string[]): Promise<void> {
  const options = parseStandaloneArgs(argv);
  let stop = (): void => undefined;
  const server = createMemcachedServer({ ...options, onShutdown: () => stop() });
  const port = await server.listen();
  const udp = server.udpPort === null ? '' : ` (UDP ${server.udpPort})`;
  console.log(`memcached-compatible node listening on ${options.host ?? '127.0.0.1'}:${port}${udp}`);
  await new Promise<void>((resolve) => {
    stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void server.close().then(resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
