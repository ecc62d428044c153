import type { Scope } from '../store/records.ts';
import type { World } from '../world.ts';

export interface ActionContext {
  world: World;
  scope: Scope;
  requestId: string;
}

/** A handler is typed with the SDK's own input and output types for its operation. */
export type Handler<I, O> = (input: I, ctx: ActionContext) => O | Promise<O>;

// The registry stores handlers type-erased; each file's `define` call is where the types are checked.
type AnyHandler = (input: never, ctx: ActionContext) => unknown;
export type ActionTable = Record<string, AnyHandler>;

export function define<I, O>(handler: Handler<I, O>): AnyHandler {
  return handler as AnyHandler;
}
