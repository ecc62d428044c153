import { invalidValue } from '../protocol/errors.ts';

// Redis ACL rule tokens that ElastiCache accepts in an AccessString.
const FLAG_TOKENS = new Set([
  'on', 'off', 'nopass', 'allkeys', 'allcommands', 'nocommands', 'allchannels', 'resetchannels', 'resetkeys', 'reset', 'resetpass',
]);
const PATTERN_TOKEN = /^(~|%R~|%W~|%RW~|&)\S+$/;
const COMMAND_TOKEN = /^[+-](@[a-z-]+|[a-z][a-z0-9_-]*(\|[a-z0-9_-]+)?)$/i;

/** Validates an ElastiCache RBAC access string; passwords are never part of it. */
export function accessString(value: string): string {
  const tokens = value.trim().split(/\s+/).filter(Boolean);
  if (tokens.length === 0) throw invalidValue('Access string must not be empty.');
  for (const token of tokens) {
    if (token.startsWith('>') || token.startsWith('<') || token.startsWith('#')) {
      throw invalidValue('Access string must not contain passwords; use Passwords or AuthenticationMode.');
    }
    if (!FLAG_TOKENS.has(token.toLowerCase()) && !PATTERN_TOKEN.test(token) && !COMMAND_TOKEN.test(token)) {
      throw invalidValue(`Access string is invalid: unrecognised token "${token}".`);
    }
  }
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
