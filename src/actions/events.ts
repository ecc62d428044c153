import type * as ec from '@aws-sdk/client-elasticache';
import { invalidCombination, invalidValue } from '../protocol/errors.ts';
import { paginate } from './paginate.ts';
import { define, type ActionTable } from './registry.ts';

const DEFAULT_DURATION_MINUTES = 60;
const MAX_DURATION_MINUTES = 14 * 24 * 60;
const SOURCE_TYPES = new Set([
  'cache-cluster', 'cache-parameter-group', 'cache-security-group', 'cache-subnet-group', 'replication-group',
  'serverless-cache', 'serverless-cache-snapshot', 'user', 'user-group',
]);

export const eventActions: ActionTable = {
  DescribeEvents: define<ec.DescribeEventsMessage, ec.EventsMessage>((input, { world, scope }) => {
    if (input.SourceType !== undefined && !SOURCE_TYPES.has(input.SourceType)) {
      throw invalidValue(`Invalid value for SourceType: ${input.SourceType}. Valid values: ${[...SOURCE_TYPES].join(', ')}.`);
    }
    if (input.SourceIdentifier !== undefined && input.SourceType === undefined) {
      throw invalidCombination('SourceType must be specified when SourceIdentifier is specified.');
    }
    const duration = input.Duration ?? DEFAULT_DURATION_MINUTES;
    if (duration < 0 || duration > MAX_DURATION_MINUTES) {
      throw invalidValue(`The parameter Duration must be between 0 and ${MAX_DURATION_MINUTES}.`);
    }
    const now = world.now();
    const end = input.EndTime?.getTime() ?? now;
    const start = input.StartTime?.getTime() ?? (input.EndTime ? end - duration * 60_000 : now - duration * 60_000);
    if (start > end) throw invalidCombination('StartTime must be before EndTime.');
    const rows = world.events.query(scope, {
      sourceType: input.SourceType,
      sourceId: input.SourceIdentifier?.toLowerCase(),
      startTime: start,
      endTime: end,
    });
    const { page, marker } = paginate(rows, input.MaxRecords, input.Marker);
    return {
      Marker: marker,
      Events: page.map((e) => ({
        SourceIdentifier: e.sourceId ?? undefined,
        SourceType: e.sourceType ?? undefined,
        Message: e.message,
        Date: new Date(e.date),
      })),
    };
  }),
};
