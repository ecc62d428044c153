// `npx elasticache-local` (and `npm start`) runs the CLI as npm -> sh -> node. A SIGTERM to npm does not
// reach node: npm's shell child dies and node is left running, re-parented, holding every port. So when
// npm launched us, losing that parent is taken as the signal to stop.

/** How often the parent is checked; process.ppid asks the OS afresh each time, which is cheap. */
const CHECK_MS = 250;

/** Launched by an npm command (npx/npm exec, npm start, npm run): npm sets this for its children. */
export function launchedByNpm(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.npm_command !== undefined && env.npm_command !== '';
}

/**
 * Calls `onGone` once the process that started this one has exited. The timer is unref'd: it never
 * keeps the process alive by itself. Answers a function that stops watching.
 */
export function watchParent(onGone: () => void): () => void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onGone();
  }, CHECK_MS);
  timer.unref();
  return () => clearInterval(timer);
}
