import type { NormalizedSchema } from '@smithy/core/schema';
import { XML_NAMESPACE } from './operations.ts';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

function memberElementName(schema: NormalizedSchema, fallback: string): string {
  const xmlName = schema.getMergedTraits().xmlName;
  return typeof xmlName === 'string' ? xmlName : fallback;
}

/**
 * Typed output -> awsQuery XML, walking the SDK's output schema so every member is written under the
 * element name (and list member name) that the SDK's own deserializer will look for.
 */
function encodeValue(schema: NormalizedSchema, value: unknown, out: string[]): void {
  if (schema.isStructSchema()) {
    const record = value as Record<string, unknown>;
    for (const [name, member] of schema.structIterator()) {
      const v = record[name];
      if (v === undefined || v === null) continue;
      const tag = memberElementName(member, name);
      if (member.isListSchema() && member.getMergedTraits().xmlFlattened) {
        for (const item of v as unknown[]) {
          out.push(`<${tag}>`);
          encodeValue(member.getValueSchema(), item, out);
          out.push(`</${tag}>`);
        }
        continue;
      }
      out.push(`<${tag}>`);
      encodeValue(member, v, out);
      out.push(`</${tag}>`);
    }
    return;
  }
  if (schema.isListSchema()) {
    const itemSchema = schema.getValueSchema();
    const tag = memberElementName(itemSchema, 'member');
    for (const item of value as unknown[]) {
      out.push(`<${tag}>`);
      encodeValue(itemSchema, item, out);
      out.push(`</${tag}>`);
    }
    return;
  }
  if (schema.isMapSchema()) {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      out.push(`<entry><key>${escapeXml(k)}</key><value>`);
      encodeValue(schema.getValueSchema(), v, out);
      out.push('</value></entry>');
    }
    return;
  }
  if (value instanceof Date) {
    out.push(value.toISOString());
    return;
  }
  out.push(escapeXml(String(value)));
}

export function encodeResponse(
  operation: string,
  outputSchema: NormalizedSchema | undefined,
  output: unknown,
  requestId: string,
): string {
  const out: string[] = [`<${operation}Response xmlns="${XML_NAMESPACE}">`];
  if (outputSchema) {
    out.push(`<${operation}Result>`);
    encodeValue(outputSchema, output ?? {}, out);
    out.push(`</${operation}Result>`);
  }
  out.push(`<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${operation}Response>`);
  return out.join('');
}

export function encodeError(type: string, code: string, message: string, requestId: string): string {
  return (
    `<ErrorResponse xmlns="${XML_NAMESPACE}"><Error><Type>${type}</Type><Code>${escapeXml(code)}</Code>` +
    `<Message>${escapeXml(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`
  );
}
