// The one shape every engine's node has, as a control plane sees it: the line between an emulated AWS
// and the servers it runs. Engines implement it; nothing here knows of AWS.
import type net from 'node:net';
import type { NetworkFaults } from './network-faults.ts';

/** TLS of a node's listener: required (TLS only) or preferred (TLS and plaintext on one port). */
export interface NodeTls {
  key: string | Buffer;
  cert: string | Buffer;
  mode?: 'required' | 'preferred';
}

export interface CacheNode {
  readonly kind: 'redis' | 'memcached';
  /** The bound port once listening, else the port asked for. */
  readonly port: number;
  listen(): Promise<number>;
  /** Stops listening and drops every connection; the data goes with it. */
  close(): Promise<void>;
  /**
   * Settings a running node takes without a restart, by their engine names (redis.conf / memcached
   * options); answers the names the engine refused, which keep their previous value.
   */
  configure(settings: ReadonlyMap<string, string>): string[];
  /**
   * Serves a connection another listener accepted (an endpoint's port) as if it had come to this port;
   * false when this node cannot (the caller then forwards the bytes itself).
   */
  accept(socket: net.Socket): boolean;

  /** Fault injection: latency, freezing and refusals of this node's connections. */
  readonly network: NetworkFaults;
  /** Resets every client connection (TCP RST); answers how many. */
  resetConnections(): number;
  /** Fault injection: counts memory as used up to `bytes` in all, by a ballast that holds no data (0 releases it). */
  fillMemory(bytes: number): Promise<void>;
}
