import * as sdk from '@aws-sdk/client-elasticache';
import { NormalizedSchema } from '@smithy/core/schema';

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

function loadOperations(): Map<string, OperationShape> {
  const operations = new Map<string, OperationShape>();
  for (const [exportName, value] of Object.entries(sdk)) {
    if (!exportName.endsWith('$') || !isOperation(value)) continue;
    const input = value[4]();
    const output = value[5]();
    operations.set(value[2], {
      name: value[2],
      input: NormalizedSchema.of(input as Parameters<typeof NormalizedSchema.of>[0]),
      output: output === 'unit' ? undefined : NormalizedSchema.of(output as Parameters<typeof NormalizedSchema.of>[0]),
    });
  }
  return operations;
}

/** Every ElastiCache operation, read from the SDK's schemas (75 in this API version). */
export const OPERATIONS: ReadonlyMap<string, OperationShape> = loadOperations();
