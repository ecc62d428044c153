// redlock 5 beta ships its types at dist/index.d.ts but its package.json exports do not point at
// them under NodeNext resolution; this declares the part the tests use.
declare module 'redlock' {
  import type { Redis } from 'ioredis';
  export interface Lock {
    extend(duration: number): Promise<Lock>;
    release(): Promise<unknown>;
  }
  export default class Redlock {
    constructor(clients: Redis[], settings?: { retryCount?: number; retryDelay?: number });
    acquire(resources: string[], duration: number): Promise<Lock>;
  }
}
