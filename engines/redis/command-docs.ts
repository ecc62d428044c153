// redis-server 7.0's published metadata for the commands we implement (command-docs.json, made by
// scripts/gen-command-docs.ts). The one source of every command's arity, flags, ACL categories and
// key specs: the command table, COMMAND INFO/DOCS and ACL key checks all read it from here.
import { readFileSync } from 'node:fs';
import type { CommandMeta } from './commands/command-meta.ts';

let table: Map<string, CommandMeta> | null = null;

/** Parsed once, when the command table is first built (a few milliseconds per process). */
export function publishedMeta(fullName: string): CommandMeta | undefined {
  if (table === null) {
    const text = readFileSync(new URL('./command-docs.json', import.meta.url), 'utf8');
    const parsed = JSON.parse(text) as { commands: Record<string, CommandMeta> };
    table = new Map(Object.entries(parsed.commands));
  }
  return table.get(fullName);
}
