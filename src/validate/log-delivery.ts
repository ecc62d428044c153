import type * as ec from '@aws-sdk/client-elasticache';
import { compareVersions } from '../catalog/engine-versions.ts';
import { invalidCombination, invalidValue, missingParameter } from '../protocol/errors.ts';
import type { Engine, LogDeliveryRecord } from '../store/records.ts';

const LOG_TYPES = ['slow-log', 'engine-log'] as const;
const DESTINATION_TYPES = ['cloudwatch-logs', 'kinesis-firehose'] as const;
const FORMATS = ['text', 'json'] as const;
/** Redis OSS versions from which each log can be delivered (slow log 6.0, engine log 6.2). */
const SINCE: Record<LogDeliveryRecord['logType'], string> = { 'slow-log': '6.0', 'engine-log': '6.2' };

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], parameter: string): T {
  if (value === undefined) throw missingParameter(`LogDeliveryConfigurations.LogDeliveryConfigurationRequest.${parameter}`);
  if (!(allowed as readonly string[]).includes(value)) {
    throw invalidValue(`Invalid value for ${parameter}: ${value}. Valid values are: ${allowed.join(', ')}.`);
  }
  return value as T;
}

/** A log delivery request as AWS takes it: `Enabled` false removes that log type's delivery. */
export interface LogDeliveryChange {
  logType: LogDeliveryRecord['logType'];
  enable?: LogDeliveryRecord;
}

export function logDeliveryChanges(
  engine: Engine,
  engineVersion: string,
  requests: ec.LogDeliveryConfigurationRequest[] | undefined,
): LogDeliveryChange[] {
  if (!requests) return [];
  if (engine === 'memcached' && requests.length > 0) {
    throw invalidCombination('Log delivery is not supported for the memcached engine.');
  }
  const seen = new Set<string>();
  return requests.map((r) => {
    const logType = oneOf(r.LogType, LOG_TYPES, 'LogType');
    if (seen.has(logType)) throw invalidCombination(`Log type ${logType} is specified more than once.`);
    seen.add(logType);
    if (engine === 'redis' && compareVersions(engineVersion, SINCE[logType]) < 0) {
      throw invalidCombination(`Log delivery of ${logType} is supported for Redis OSS ${SINCE[logType]} and later.`);
    }
    if (r.Enabled === false) return { logType };
    const destinationType = oneOf(r.DestinationType, DESTINATION_TYPES, 'DestinationType');
    const logFormat = oneOf(r.LogFormat, FORMATS, 'LogFormat');
    const destination =
      destinationType === 'cloudwatch-logs'
        ? r.DestinationDetails?.CloudWatchLogsDetails?.LogGroup
        : r.DestinationDetails?.KinesisFirehoseDetails?.DeliveryStream;
    if (!destination) {
      throw invalidValue(
        destinationType === 'cloudwatch-logs'
          ? 'DestinationDetails.CloudWatchLogsDetails.LogGroup is required for destination type cloudwatch-logs.'
          : 'DestinationDetails.KinesisFirehoseDetails.DeliveryStream is required for destination type kinesis-firehose.',
      );
    }
    if (!/^[\w./#-]{1,512}$/.test(destination)) throw invalidValue(`Invalid log destination name: ${destination}`);
    return { logType, enable: { logType, destinationType, destination, logFormat } };
  });
}

/** The configurations after applying changes to the current ones, in a stable order (slow log first). */
export function applyLogDelivery(current: LogDeliveryRecord[] | undefined, changes: LogDeliveryChange[]): LogDeliveryRecord[] {
  const byType = new Map((current ?? []).map((c) => [c.logType, c]));
  for (const c of changes) {
    if (c.enable) byType.set(c.logType, c.enable);
    else byType.delete(c.logType);
  }
  return LOG_TYPES.map((t) => byType.get(t)).filter((c): c is LogDeliveryRecord => c !== undefined);
}

function details(c: LogDeliveryRecord): ec.DestinationDetails {
  return c.destinationType === 'cloudwatch-logs'
    ? { CloudWatchLogsDetails: { LogGroup: c.destination } }
    : { KinesisFirehoseDetails: { DeliveryStream: c.destination } };
}

export function describeLogDelivery(configs: LogDeliveryRecord[] | undefined): ec.LogDeliveryConfiguration[] {
  return (configs ?? []).map((c) => ({
    LogType: c.logType,
    DestinationType: c.destinationType,
    DestinationDetails: details(c),
    LogFormat: c.logFormat,
    Status: 'active',
  }));
}

export function describePendingLogDelivery(changes: LogDeliveryChange[]): ec.PendingLogDeliveryConfiguration[] | undefined {
  if (changes.length === 0) return undefined;
  return changes.map((c) =>
    c.enable
      ? { LogType: c.logType, DestinationType: c.enable.destinationType, DestinationDetails: details(c.enable), LogFormat: c.enable.logFormat }
      : { LogType: c.logType },
  );
}
