// The AWS SDK's ElastiCache package is only read for its schemas (operations, shapes, error traits): its
// `X$` exports. The build writes them alone next to this module (scripts/sdk-schemas.mjs), since the SDK's
// own bundle loads its whole client stack to define them, a good part of a start. Run from source, the SDK
// itself is read, through require(), which skips the named-export scan Node runs when ESM imports CommonJS.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** The SDK's exports, of which only the schemas (names ending in `$`) are read. */
export type SdkSchemas = Readonly<Record<string, unknown>>;

const BUILT_SCHEMAS = fileURLToPath(new URL('./sdk-schemas.cjs', import.meta.url));

let loaded: SdkSchemas | undefined;

function load(): SdkSchemas {
  const require = createRequire(import.meta.url);
  return (fs.existsSync(BUILT_SCHEMAS) ? require(BUILT_SCHEMAS) : require('@aws-sdk/client-elasticache')) as SdkSchemas;
}

export function elastiCacheSdk(): SdkSchemas {
  return (loaded ??= load());
}
