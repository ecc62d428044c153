// `npm run build` (run by `prepare`, so `npm ci` builds too): compiles src/ and engines/ to dist/ with tsc
// and copies every file tsc does not emit (SQL migrations, the console's static files, JSON data read at
// run time) next to its module, so dist/ runs with plain node.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE_DIRS = ['src', 'engines'];
const out = path.join(root, 'dist');

// Built aside and swapped in at the end, so a process running the previous dist/ never sees half a build.
const next = `${out}-${process.pid}`;
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
fs.rmSync(next, { recursive: true, force: true });
try {
  execFileSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json'), '--outDir', next], { stdio: 'inherit', cwd: root });
  for (const dir of SOURCE_DIRS) {
    fs.cpSync(path.join(root, dir), path.join(next, dir), {
      recursive: true,
      filter: (from) => fs.statSync(from).isDirectory() || !from.endsWith('.ts'),
    });
  }
  // Tests compare this stamp with the sources' times to know whether dist/ is current.
  fs.writeFileSync(path.join(next, '.built'), new Date().toISOString());
  fs.rmSync(out, { recursive: true, force: true });
  fs.renameSync(next, out);
} catch (err) {
  fs.rmSync(next, { recursive: true, force: true });
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
}
