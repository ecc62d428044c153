// Library entry: `import { start } from 'elasticache-local'` from plain JavaScript test set-ups.
import { register } from 'tsx/esm/api';

register();
const lib = await import('../src/index.ts');
export const start = lib.start;
export const testClient = lib.testClient;
export default lib;
