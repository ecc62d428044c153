import { invalidValue, missingParameter } from '../protocol/errors.ts';

/**
 * AWS's rule for cluster, replication group and most other identifiers: starts with a letter, only
 * letters, digits and hyphens, no trailing or double hyphen; stored lower-case.
 */
export function identifier(value: string | undefined, parameter: string, maxLength: number): string {
  if (value === undefined) throw missingParameter(parameter);
  if (value.length === 0) throw invalidValue(`The parameter ${parameter} must be provided and must not be blank.`);
  if (value.length > maxLength) {
    throw invalidValue(`The parameter ${parameter} must be no more than ${maxLength} characters long.`);
  }
  if (!/^[A-Za-z][A-Za-z0-9-]*$/.test(value) || value.endsWith('-') || value.includes('--')) {
    throw invalidValue(
      `The parameter ${parameter} is not a valid identifier. Identifiers must begin with a letter; must contain only ASCII letters, digits, and hyphens; and must not end with a hyphen or contain two consecutive hyphens.`,
    );
  }
  return value.toLowerCase();
}

export const CLUSTER_ID_MAX = 50;
export const GROUP_ID_MAX = 40;
export const SUBNET_GROUP_NAME_MAX = 255;

/** Subnet group names also allow periods, spaces and underscores, up to 255 characters. */
export function subnetGroupName(value: string | undefined, parameter = 'CacheSubnetGroupName'): string {
  if (value === undefined) throw missingParameter(parameter);
  if (value.length === 0 || value.length > SUBNET_GROUP_NAME_MAX || !/^[A-Za-z0-9 ._-]+$/.test(value)) {
    throw invalidValue(
      `The parameter ${parameter} must contain no more than 255 alphanumeric characters, periods, underscores, spaces or hyphens.`,
    );
  }
  return value.toLowerCase();
}

export function intInRange(value: number | undefined, parameter: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw invalidValue(`The parameter ${parameter} must be between ${min} and ${max}.`);
  }
  return value;
}

/** Maintenance and snapshot windows: ddd:hh24:mi-ddd:hh24:mi and hh24:mi-hh24:mi. */
export function maintenanceWindow(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!/^(sun|mon|tue|wed|thu|fri|sat):([01]\d|2[0-3]):[0-5]\d-(sun|mon|tue|wed|thu|fri|sat):([01]\d|2[0-3]):[0-5]\d$/i.test(value)) {
    throw invalidValue(`Invalid maintenance window: ${value}. Expected format ddd:hh24:mi-ddd:hh24:mi.`);
  }
  return value.toLowerCase();
}

export function snapshotWindow(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const m = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$/.exec(value);
  if (!m) throw invalidValue(`Invalid snapshot window: ${value}. Expected format hh24:mi-hh24:mi.`);
  const start = Number(m[1]) * 60 + Number(m[2]);
  const end = Number(m[3]) * 60 + Number(m[4]);
  const length = (end - start + 1440) % 1440;
  if (length < 60) throw invalidValue('The snapshot window must be at least 60 minutes long.');
  return value;
}
