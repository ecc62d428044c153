import crypto from 'node:crypto';
import type { Scope } from '../store/records.ts';

export function stableHex(text: string, length: number): string {
  return crypto.createHash('sha256').update(text).digest('hex').slice(0, length);
}

/** The one VPC each account and region has here, named stably. */
export function vpcId(scope: Scope): string {
  return `vpc-${stableHex(`${scope.account}/${scope.region}`, 17)}`;
}
