import { NormalizedSchema } from '@smithy/core/schema';
import { elastiCacheSdk } from './sdk.ts';

/** API version 2015-02-02: the one namespace every response is written in. */
export const API_VERSION = '2015-02-02';
export const XML_NAMESPACE = `http://elasticache.amazonaws.com/doc/${API_VERSION}/`;

export interface OperationShape {
  name: string;
  input: NormalizedSchema;
  /** undefined for operations whose output is Unit (no <XResult> element). */
  output: NormalizedSchema | undefined;
}

type StaticOperation = readonly [9, string, string, unknown, () => unknown, () => unknown];

function isOperation(value: unknown): value is StaticOperation {
  return Array.isArray(value) && value[0] === 9;
}

/** An operation whose input and output schemas are normalised when a request first needs them. */
function lazyShape(op: StaticOperation): OperationShape {
  let input: NormalizedSchema | undefined;
  let output: NormalizedSchema | undefined | null = null;
  return {
    name: op[2],
    get input() {
      return (input ??= NormalizedSchema.of(op[4]() as Parameters<typeof NormalizedSchema.of>[0]));
    },
    get output() {
      if (output === null) {
        const o = op[5]();
        output = o === 'unit' ? undefined : NormalizedSchema.of(o as Parameters<typeof NormalizedSchema.of>[0]);
      }
      return output;
    },
  };
}

function loadOperations(): Map<string, OperationShape> {
  const operations = new Map<string, OperationShape>();
  for (const [exportName, value] of Object.entries(elastiCacheSdk())) {
    if (!exportName.endsWith('$') || !isOperation(value)) continue;
    operations.set(value[2], lazyShape(value));
  }
  return operations;
}

/** Every ElastiCache operation, read from the SDK's schemas (75 in this API version). */
export const OPERATIONS: ReadonlyMap<string, OperationShape> = loadOperations();
