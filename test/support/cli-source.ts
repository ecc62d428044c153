// The CLI run from its TypeScript sources as an executable file (tests of how it behaves as a process;
// test/e2e/cli.test.ts proves the compiled package).
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

/** Writes an executable `file` that runs src/cli.ts with its arguments. */
export function writeSourceCli(file: string): void {
  // tsx's ESM loader API (require.resolve answers its CommonJS twin, which registers the wrong paths).
  const tsx = pathToFileURL(createRequire(path.join(ROOT, 'package.json')).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  const cli = pathToFileURL(path.join(ROOT, 'src', 'cli.ts')).href;
  const script = [
    '#!/usr/bin/env node',
    `import { register } from ${JSON.stringify(tsx)};`,
    'register();',
    `const { main } = await import(${JSON.stringify(cli)});`,
    'await main(process.argv.slice(2));',
  ];
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${script.join('\n')}\n`, { mode: 0o755 });
}
