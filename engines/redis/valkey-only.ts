// Subcommands Redis 7.2 added: a Valkey node (7.2 and later) serves them, while redis-server 7.0, which
// the bare engine and ElastiCache's Redis 7.0/7.1 nodes answer as, knows none of them (unknown subcommand,
// and COMMAND lists none). Clients send CLIENT SETINFO on connecting and ignore the error.
import type { CommandTable } from './command-table.ts';

const ADDED_IN_7_2: Record<string, readonly string[]> = { client: ['setinfo', 'no-touch'] };

/** Takes the 7.2 subcommands out of one engine's table. */
export function withoutValkeyOnly(table: CommandTable): void {
  for (const [name, dropped] of Object.entries(ADDED_IN_7_2)) {
    const def = table.lookup(name);
    if (def?.subcommands === undefined) continue;
    table.replace({ ...def, subcommands: new Map([...def.subcommands].filter(([sub]) => !dropped.includes(sub))) });
  }
}
