// Loaded with --import by the CLI tests: any tsx or .ts module the compiled package tries to load is an error.
import { register } from 'node:module';

const hooks = `export async function resolve(specifier, context, next) {
  if (specifier === 'tsx' || specifier.startsWith('tsx/') || /[.][cm]?ts$/.test(specifier)) throw new Error('needs TypeScript at run time: ' + specifier);
  return next(specifier, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`);
