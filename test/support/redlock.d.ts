// redlock 5 beta ships its types at dist/index.d.ts but its package.json exports do not point at
// them under NodeNext resolution; this declares the part the tests use.
declare module 'redlock' {
  import type { Cluster, Redis } from 'ioredis';
  export interface Settings {
    retryCount: number;
    retryDelay: number;
    retryJitter: number;
    automaticExtensionThreshold: number;
  }
  export interface Lock {
    readonly expiration: number;
    extend(duration: number): Promise<Lock>;
    release(): Promise<unknown>;
  }
  export interface RedlockAbortSignal extends AbortSignal {
    error?: Error;
  }
  export class ExecutionError extends Error {}
  export default class Redlock {
    constructor(clients: (Redis | Cluster)[], settings?: Partial<Settings>);
    acquire(resources: string[], duration: number, settings?: Partial<Settings>): Promise<Lock>;
    using<T>(resources: string[], duration: number, routine: (signal: RedlockAbortSignal) => Promise<T>): Promise<T>;
    on(event: 'error', listener: (err: Error) => void): this;
  }
}
