// Running the Python scripts of test/e2e/python/ with Debian's interpreter and packages (.ci/run installs them).
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { hasTool } from './emulator.ts';

/** Debian's interpreter, where apt puts the packages (a python3 earlier on the PATH may be another one). */
export const PYTHON = '/usr/bin/python3';
const SCRIPTS = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'e2e', 'python');

/** Whether Debian's Python can import every module named (in CI a missing one fails instead). */
export function hasPythonModules(modules: string[]): boolean {
  return hasTool(PYTHON, ['-c', `import ${modules.join(', ')}`]);
}

/** Runs one script of test/e2e/python against `target` (its TARGET variable); its last stdout line is its JSON report. */
export function runPython(script: string, target: object, env: Record<string, string> = {}): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    execFile(
      PYTHON,
      [path.join(SCRIPTS, script)],
      { cwd: SCRIPTS, env: { ...process.env, ...env, TARGET: JSON.stringify(target), PYTHONDONTWRITEBYTECODE: '1' }, timeout: 60_000 },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`${script} failed: ${error.message}\n${stderr}`));
        resolve(JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>);
      },
    );
  });
}
