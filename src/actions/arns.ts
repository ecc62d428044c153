import { fault } from '../protocol/errors.ts';
import type { Scope } from '../store/records.ts';

export interface ParsedArn {
  region: string;
  account: string;
  type: string;
  id: string;
}

/** arn:aws:elasticache:REGION:ACCOUNT:TYPE:ID, as every taggable ElastiCache resource is named. */
export function parseArn(arn: string | undefined): ParsedArn {
  const m = arn ? /^arn:aws[a-z-]*:elasticache:([a-z0-9-]+):(\d{12}):([a-z-]+):(.+)$/.exec(arn) : null;
  if (!m) throw fault('InvalidARNFault', `The ARN ${arn ?? ''} is not valid.`);
  return { region: m[1]!, account: m[2]!, type: m[3]!, id: m[4]! };
}

export function sameScope(arn: ParsedArn, scope: Scope): boolean {
  return arn.region === scope.region && arn.account === scope.account;
}
