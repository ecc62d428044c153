// Commands run since the engine's last clock reading, waiting to share the next one (dispatch.ts,
// settleUntimed). Kept in arrays that are reused, not truncated: `length = 0` gives the backing store
// back, and the next pipeline's pushes reserved it again (~40 bytes of garbage per pipelined INCR).
import type { Client } from './client.ts';
import type { CommandDef } from './command-table.ts';

export class UntimedCommands {
  count = 0;
  readonly clients: (Client | null)[] = [];
  readonly defs: (CommandDef | null)[] = [];
  readonly args: (string[] | null)[] = [];

  add(c: Client, def: CommandDef, args: string[]): void {
    const i = this.count++;
    this.clients[i] = c;
    this.defs[i] = def;
    this.args[i] = args;
  }

  /** Forgets them (their clients and arguments are not kept alive by this list). */
  clear(): void {
    for (let i = 0; i < this.count; i++) {
      this.clients[i] = null;
      this.defs[i] = null;
      this.args[i] = null;
    }
    this.count = 0;
  }
}
