import type { RecordKinds, Scope } from '../store/records.ts';
import type { World } from '../world.ts';
import { canTransition, failureStateOf, transition, type LifecycleKind, MACHINES } from './states.ts';

export interface StepOptions<K extends LifecycleKind> {
  delayMs?: number;
  /** Also fails what goes with the resource (a group's member clusters), on the record about to be saved. */
  onFailure?: (record: RecordKinds[K]) => void;
}

/**
 * The one place lifecycle steps run: after the configured delay, and when a step throws, the resource it
 * works on moves to AWS's failure state for the state it was in (create-failed, ...) with an event that
 * says why, instead of staying creating or modifying for good.
 */
export function runStep<K extends LifecycleKind>(
  world: World,
  scope: Scope,
  kind: K,
  id: string,
  step: () => Promise<void> | void,
  options: StepOptions<K> = {},
): void {
  world.later(async () => {
    try {
      await step();
    } catch (err) {
      failStep(world, scope, kind, id, err, options.onFailure);
    }
  }, options.delayMs);
}

/** Moves the resource to its failure state with an event; a resource that is gone or already settled stays as it is. */
export function failStep<K extends LifecycleKind>(
  world: World,
  scope: Scope,
  kind: K,
  id: string,
  err: unknown,
  onFailure?: (record: RecordKinds[K]) => void,
): void {
  const record = world.resources.get(scope, kind, id);
  const reason = err instanceof Error ? err.message : String(err);
  if (!record) return;
  const from = (record as { status: string }).status as Parameters<typeof failureStateOf<K>>[1];
  const to = failureStateOf(kind, from);
  if (to === from || !canTransition(kind, record, to)) {
    world.log.error({ err, kind, id, account: scope.account, region: scope.region, status: from }, `a lifecycle step of ${kind} ${id} failed`);
    return;
  }
  transition(world, scope, kind, record, to, `${MACHINES[kind].what} ${id} ${to === 'create-failed' ? 'creation' : 'change'} failed: ${reason}`);
  onFailure?.(record);
  world.resources.put(scope, kind, id, record);
}
