import { loadRedisEngine } from '../lifecycle/engine-modules.ts';
import { invalidValue } from '../protocol/errors.ts';

export type AccessStringCheck = (value: string) => string;

/**
 * The access string validator, once the Redis engine (whose ACL parser judges the rules) is loaded:
 * a handler awaits this before it reads any state, and validates synchronously where it always did.
 */
export async function accessStringCheck(): Promise<AccessStringCheck> {
  const { aclRulesError } = await loadRedisEngine();
  return (value) => accessString(value, aclRulesError);
}

/**
 * Validates an ElastiCache RBAC access string: passwords are never part of it (they come from
 * Passwords or AuthenticationMode), and the rest must be rules the nodes' ACL parser accepts.
 */
function accessString(value: string, aclRulesError: (rules: readonly string[]) => string | null): string {
  const tokens = value.trim().split(/\s+/).filter(Boolean);
  if (tokens.length === 0) throw invalidValue('Access string must not be empty.');
  for (const token of tokens) {
    if (token.startsWith('>') || token.startsWith('<') || token.startsWith('#') || token.startsWith('!')) {
      throw invalidValue('Access string must not contain passwords; use Passwords or AuthenticationMode.');
    }
  }
  const error = aclRulesError(tokens);
  if (error !== null) throw invalidValue(`Access string is invalid: ${error}`);
  return tokens.join(' ');
}

const PASSWORD_PATTERN = /^[\x21-\x7e]{16,128}$/;

export function passwords(list: string[] | undefined): string[] {
  if (!list) return [];
  if (list.length > 2) throw invalidValue('A user can have at most 2 passwords.');
  for (const p of list) {
    if (!PASSWORD_PATTERN.test(p)) throw invalidValue('Passwords must be 16 to 128 printable characters without spaces.');
  }
  return list;
}
