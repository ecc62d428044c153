import type { NormalizedSchema } from '@smithy/core/schema';
import { commonError, invalidValue, missingParameter } from './errors.ts';

/** The dotted awsQuery keys (`Tags.Tag.1.Key`) folded into a tree before the schema walk. */
interface FormNode {
  value?: string;
  children: Map<string, FormNode>;
}

const MAX_LIST_INDEX = 1000;

function buildTree(params: Iterable<[string, string]>): FormNode {
  const root: FormNode = { children: new Map() };
  for (const [key, value] of params) {
    let node = root;
    for (const part of key.split('.')) {
      let child = node.children.get(part);
      if (!child) {
        child = { children: new Map() };
        node.children.set(part, child);
      }
      node = child;
    }
    node.value = value;
  }
  return root;
}

/**
 * Form body -> typed input, driven by the operation's input schema from the SDK.
 * Lists are accepted as `Name.member.N`, `Name.<xmlName>.N` and flattened `Name.N`, because the aws CLI,
 * the JS SDK and Terraform's Go SDK do not all spell them the same way.
 */
export function decodeInput(schema: NormalizedSchema, params: Iterable<[string, string]>): Record<string, unknown> {
  const tree = buildTree(params);
  const result = decodeStruct(schema, tree, '');
  return result;
}

function decodeStruct(schema: NormalizedSchema, node: FormNode, path: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const required = requiredMembers(schema);
  for (const [name, member] of schema.structIterator()) {
    const child = node.children.get(name);
    const memberPath = path ? `${path}.${name}` : name;
    if (!child) {
      if (required.has(name)) throw missingParameter(memberPath);
      continue;
    }
    out[name] = decodeValue(member, child, memberPath);
  }
  return out;
}

function requiredMembers(schema: NormalizedSchema): Set<string> {
  const raw = schema.getSchema() as unknown;
  // Static struct schemas list required members first and carry their count as the 7th element.
  if (Array.isArray(raw) && raw[0] === 3 && typeof raw[6] === 'number') {
    return new Set((raw[4] as string[]).slice(0, raw[6]));
  }
  return new Set();
}

function decodeValue(schema: NormalizedSchema, node: FormNode, path: string): unknown {
  if (schema.isStructSchema()) return decodeStruct(schema, node, path);
  if (schema.isListSchema()) return decodeList(schema, node, path);
  if (schema.isMapSchema()) return decodeMap(schema, node, path);
  const text = node.value;
  if (text === undefined) throw invalidValue(`Invalid value for parameter ${path}`);
  if (schema.isBooleanSchema()) {
    const lower = text.toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
    throw invalidValue(`Value (${text}) for parameter ${path} is invalid. Expected a boolean.`);
  }
  if (schema.isNumericSchema()) {
    if (!/^-?\d+(\.\d+)?$/.test(text)) {
      throw invalidValue(`Value (${text}) for parameter ${path} is invalid. Expected a number.`);
    }
    const n = Number(text);
    if (Number.isInteger(n) && !Number.isSafeInteger(n)) {
      throw invalidValue(`Value (${text}) for parameter ${path} is out of range.`);
    }
    return n;
  }
  if (schema.isTimestampSchema()) {
    const date = /^\d+(\.\d+)?$/.test(text) ? new Date(Number(text) * 1000) : new Date(text);
    if (Number.isNaN(date.getTime())) {
      throw invalidValue(`Value (${text}) for parameter ${path} is invalid. Expected an ISO 8601 timestamp.`);
    }
    return date;
  }
  return text;
}

function listItems(node: FormNode, path: string): [number, FormNode][] {
  let container = node;
  const keys = [...node.children.keys()];
  if (keys.length > 0 && !keys.every((k) => /^\d+$/.test(k))) {
    if (keys.length !== 1) throw commonError('MalformedQueryString', `Malformed list parameter ${path}`);
    container = node.children.get(keys[0]!)!;
  }
  const items: [number, FormNode][] = [];
  for (const [index, child] of container.children) {
    const n = Number(index);
    if (!/^\d+$/.test(index) || n < 1 || n > MAX_LIST_INDEX) {
      throw commonError('MalformedQueryString', `Malformed list index ${path}.${index}`);
    }
    items.push([n, child]);
  }
  return items.sort((a, b) => a[0] - b[0]);
}

function decodeList(schema: NormalizedSchema, node: FormNode, path: string): unknown[] {
  // `Name=` with no members is how the CLI sends an explicitly empty list.
  if (node.children.size === 0) return [];
  const member = schema.getValueSchema();
  return listItems(node, path).map(([n, child]) => decodeValue(member, child, `${path}.${n}`));
}

function decodeMap(schema: NormalizedSchema, node: FormNode, path: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [n, entry] of listItems(node, path)) {
    const key = entry.children.get('key')?.value ?? entry.children.get('Key')?.value;
    const value = entry.children.get('value') ?? entry.children.get('Value');
    if (key === undefined || !value) throw commonError('MalformedQueryString', `Malformed map entry ${path}.${n}`);
    out[key] = decodeValue(schema.getValueSchema(), value, `${path}.${n}`);
  }
  return out;
}
