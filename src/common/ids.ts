import { randomBytes } from 'node:crypto';

/** Typed, opaque ids: a type prefix, then a time-ordered random part (ULID layout, lower case). */
export const ID_PREFIXES = { application: 'app', client: 'cli', credential: 'cred', provider: 'prv', auditEvent: 'evt', registrationToken: 'rgt' } as const;
export type IdKind = keyof typeof ID_PREFIXES;

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';

function encodeBase32(bytes: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += CROCKFORD[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += CROCKFORD[(value << (5 - bits)) & 31];
  return out;
}

export function newId(kind: IdKind): string {
  const time = Buffer.alloc(6);
  time.writeUIntBE(Date.now(), 0, 6);
  return `${ID_PREFIXES[kind]}_${encodeBase32(Buffer.concat([time, randomBytes(10)]))}`;
}

const KIND_BY_PREFIX = new Map<string, IdKind>(Object.entries(ID_PREFIXES).map(([kind, prefix]) => [prefix, kind as IdKind]));

/** The kind an id names, or undefined for anything that is not one of ours. */
export function idKind(id: string): IdKind | undefined {
  const underscore = id.indexOf('_');
  return underscore > 0 ? KIND_BY_PREFIX.get(id.slice(0, underscore)) : undefined;
}
