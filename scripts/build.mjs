// `npm run build` (run by `prepare`, so `npm ci` builds too): compiles src/ and engines/ to dist/ with tsc
// and copies every file tsc does not emit (SQL migrations, the console's static files, JSON data read at
// run time) next to its module, so dist/ runs with plain node. The two entry points (dist/src/index.js,
// dist/src/cli.js) are then replaced by esbuild bundles of the same sources: Node's ESM loader spends more
// on resolving and reading a few hundred small modules than on running them, and that is start-up time.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeSchemasModule } from './sdk-schemas.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE_DIRS = ['src', 'engines'];
const out = path.join(root, 'dist');

// Built aside and swapped in at the end, so a process running the previous dist/ never sees half a build.
const next = `${out}-${process.pid}`;
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

/**
 * A bundled module's import.meta.url is its chunk's; a module that finds files next to itself (SQL
 * migrations, the console's static files, command docs) gets the URL of its own compiled file instead.
 */
function ownUrls(outdir) {
  return {
    name: 'own-import-meta-url',
    setup(build) {
      build.onLoad({ filter: /\.ts$/ }, async ({ path: file }) => {
        const text = await fs.promises.readFile(file, 'utf8');
        if (!text.includes('import.meta.url')) return { contents: text, loader: 'ts' };
        const compiled = path.join(next, path.relative(root, file)).replace(/\.ts$/, '.js');
        const relative = path.relative(outdir, compiled).split(path.sep).join('/');
        const url = `new URL(${JSON.stringify(relative.startsWith('.') ? relative : `./${relative}`)}, import.meta.url).href`;
        return { contents: text.replaceAll('import.meta.url', url), loader: 'ts' };
      });
    },
  };
}

/**
 * Packages stay imports of node_modules, but for the few a start needs only a small part of: a package's
 * entry can load much more than the part used (@smithy/core/schema's loads the SDK's transport stack for
 * NormalizedSchema alone), and a bundled package is tree-shaken to what is imported.
 */
const BUNDLED_PACKAGES = ['@smithy/core/schema'];

function externalPackages() {
  return {
    name: 'external-packages',
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, ({ path: spec }) => (BUNDLED_PACKAGES.includes(spec) ? undefined : { path: spec, external: true }));
    },
  };
}

async function bundleEntryPoints() {
  const { build } = await import('esbuild');
  const outdir = path.join(next, 'src');
  await build({
    entryPoints: { index: path.join(root, 'src/index.ts'), cli: path.join(root, 'src/cli.ts') },
    outdir,
    bundle: true,
    // Lazily imported modules (Fastify's routes, the standalone servers) stay chunks loaded on demand.
    splitting: true,
    chunkNames: '[name]-[hash]',
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: true,
    logLevel: 'warning',
    plugins: [externalPackages(), ownUrls(outdir)],
  });
}
fs.rmSync(next, { recursive: true, force: true });
try {
  execFileSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json'), '--outDir', next], { stdio: 'inherit', cwd: root });
  for (const dir of SOURCE_DIRS) {
    fs.cpSync(path.join(root, dir), path.join(next, dir), {
      recursive: true,
      filter: (from) => fs.statSync(from).isDirectory() || !from.endsWith('.ts'),
    });
  }
  writeSchemasModule(path.join(next, 'src/protocol/sdk-schemas.cjs'), root);
  await bundleEntryPoints();
  // Tests compare this stamp with the sources' times to know whether dist/ is current.
  fs.writeFileSync(path.join(next, '.built'), new Date().toISOString());
  fs.rmSync(out, { recursive: true, force: true });
  fs.renameSync(next, out);
} catch (err) {
  fs.rmSync(next, { recursive: true, force: true });
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
}
