import { randomBytes } from 'node:crypto';
import { KeyRing } from '../src/common/encryption';

/** Unit tests of the AES-256-GCM key ring that seals provider client secrets. */

const keyA = randomBytes(32);
const keyB = randomBytes(32);
const entry = (id: string, key: Buffer) => `${id}:${key.toString('base64')}`;
const ringA = KeyRing.parse(entry('A', keyA));
const ringB = KeyRing.parse(entry('B', keyB));
const ringBA = KeyRing.parse(`${entry('B', keyB)},${entry('A', keyA)}`);

const CONTEXT = 'prv_01jexampleexampleexample0';
const SECRET = 'client-secret-of-the-provider-0123456789';

/** Replaces one dot-separated part of a sealed value. */
function withPart(sealed: string, index: number, change: (part: string) => string): string {
  const parts = sealed.split('.');
  parts[index] = change(parts[index]);
  return parts.join('.');
}

/** Flips the lowest bit of the first byte of a base64url part. */
const flip = (part: string) => {
  const bytes = Buffer.from(part, 'base64url');
  bytes[0] ^= 1;
  return bytes.toString('base64url');
};

describe('KeyRing: sealing and opening', () => {
  it('round-trips a value', () => {
    expect(ringA.decrypt(ringA.encrypt(SECRET, CONTEXT), CONTEXT)).toBe(SECRET);
  });

  it.each([
    ['empty', ''],
    ['unicode', 'sécret – 秘密 – 🔑'],
    ['long', 'x'.repeat(4096)],
  ])('round-trips an %s value', (_label, value) => {
    expect(ringA.decrypt(ringA.encrypt(value, CONTEXT), CONTEXT)).toBe(value);
  });

  it('names its format and key, with a 12-byte IV and a 16-byte tag, and does not contain the plaintext', () => {
    const sealed = ringA.encrypt(SECRET, CONTEXT);
    const parts = sealed.split('.');
    expect(parts).toHaveLength(5);
    expect(parts.slice(0, 2)).toEqual(['v1', 'A']);
    expect(Buffer.from(parts[2], 'base64url')).toHaveLength(12);
    expect(Buffer.from(parts[3], 'base64url')).toHaveLength(16);
    expect(Buffer.from(parts[4], 'base64url')).toHaveLength(Buffer.byteLength(SECRET));
    expect(sealed).not.toContain(SECRET);
    expect(sealed).not.toContain(Buffer.from(SECRET).toString('base64url'));
  });

  it('gives a different ciphertext (and IV) every time', () => {
    const sealed = Array.from({ length: 20 }, () => ringA.encrypt(SECRET, CONTEXT));
    expect(new Set(sealed).size).toBe(20);
    expect(new Set(sealed.map((s) => s.split('.')[2])).size).toBe(20);
    for (const s of sealed) expect(ringA.decrypt(s, CONTEXT)).toBe(SECRET);
  });

  it.each([
    ['the ciphertext', 4],
    ['the tag', 3],
    ['the IV', 2],
  ])('fails when %s is tampered with', (_label, index) => {
    const sealed = ringA.encrypt(SECRET, CONTEXT);
    expect(() => ringA.decrypt(withPart(sealed, index, flip), CONTEXT)).toThrow();
  });

  it('fails when the ciphertext is cut short or extended', () => {
    const sealed = ringA.encrypt(SECRET, CONTEXT);
    expect(() =>
      ringA.decrypt(
        withPart(sealed, 4, (p) => Buffer.from(p, 'base64url').subarray(1).toString('base64url')),
        CONTEXT,
      ),
    ).toThrow();
    expect(() =>
      ringA.decrypt(
        withPart(sealed, 4, (p) => Buffer.concat([Buffer.from(p, 'base64url'), Buffer.from([0])]).toString('base64url')),
        CONTEXT,
      ),
    ).toThrow();
  });

  it.each([4, 8, 12, 15])('fails when the tag is truncated to %i bytes (GCM would accept short tags)', (length) => {
    const sealed = ringA.encrypt(SECRET, CONTEXT);
    const truncated = withPart(sealed, 3, (p) => Buffer.from(p, 'base64url').subarray(0, length).toString('base64url'));
    expect(() => ringA.decrypt(truncated, CONTEXT)).toThrow();
  });

  it('fails when the tag is missing or the value is not a sealed value', () => {
    const sealed = ringA.encrypt(SECRET, CONTEXT);
    expect(() =>
      ringA.decrypt(
        withPart(sealed, 3, () => ''),
        CONTEXT,
      ),
    ).toThrow();
    expect(() => ringA.decrypt('', CONTEXT)).toThrow();
    expect(() => ringA.decrypt('not-sealed', CONTEXT)).toThrow();
    expect(() => ringA.decrypt(SECRET, CONTEXT)).toThrow();
  });

  it('fails on an unknown format or extra parts', () => {
    const sealed = ringA.encrypt(SECRET, CONTEXT);
    expect(() =>
      ringA.decrypt(
        withPart(sealed, 0, () => 'v2'),
        CONTEXT,
      ),
    ).toThrow();
    expect(() => ringA.decrypt(`${sealed}.extra`, CONTEXT)).toThrow();
  });

  it('is bound to its context (AAD): another row’s context fails', () => {
    const sealed = ringA.encrypt(SECRET, CONTEXT);
    expect(() => ringA.decrypt(sealed, 'prv_another_row')).toThrow();
    expect(() => ringA.decrypt(sealed, '')).toThrow();
    expect(() => ringA.decrypt(sealed, `${CONTEXT} `)).toThrow();
    expect(ringA.decrypt(sealed, CONTEXT)).toBe(SECRET);
  });

  it('an empty context is a context like any other', () => {
    const sealed = ringA.encrypt(SECRET, '');
    expect(ringA.decrypt(sealed, '')).toBe(SECRET);
    expect(() => ringA.decrypt(sealed, CONTEXT)).toThrow();
  });
});

describe('KeyRing: key rotation', () => {
  it('the first key seals; every key opens', () => {
    expect(ringA.currentKeyId).toBe('A');
    expect(ringBA.currentKeyId).toBe('B');

    const sealedWithA = ringA.encrypt(SECRET, CONTEXT);
    expect(ringBA.decrypt(sealedWithA, CONTEXT)).toBe(SECRET);

    const sealedWithB = ringBA.encrypt(SECRET, CONTEXT);
    expect(sealedWithB.split('.')[1]).toBe('B');
    expect(ringB.decrypt(sealedWithB, CONTEXT)).toBe(SECRET);
    expect(ringBA.decrypt(sealedWithB, CONTEXT)).toBe(SECRET);
  });

  it('a ring without the key cannot open the value', () => {
    expect(() => ringB.decrypt(ringA.encrypt(SECRET, CONTEXT), CONTEXT)).toThrow(/no key "A"/);
    expect(() => ringA.decrypt(ringBA.encrypt(SECRET, CONTEXT), CONTEXT)).toThrow(/no key "B"/);
  });

  it('a key id pointing at another key of the ring fails instead of decrypting garbage', () => {
    const sealedWithA = ringA.encrypt(SECRET, CONTEXT);
    expect(() =>
      ringBA.decrypt(
        withPart(sealedWithA, 1, () => 'B'),
        CONTEXT,
      ),
    ).toThrow();
  });

  it('a different key under the same id fails', () => {
    const impostor = KeyRing.parse(entry('A', randomBytes(32)));
    expect(() => impostor.decrypt(ringA.encrypt(SECRET, CONTEXT), CONTEXT)).toThrow();
  });
});

describe('KeyRing.parse', () => {
  it('accepts one or more "<id>:<base64 key>" entries, spaces around them allowed', () => {
    const ring = KeyRing.parse(` k2025:${keyB.toString('base64')} , old_key-1:${keyA.toString('base64')} `);
    expect(ring.currentKeyId).toBe('k2025');
    expect(ring.decrypt(ringA.encrypt(SECRET, CONTEXT).replace('.A.', '.old_key-1.'), CONTEXT)).toBe(SECRET);
  });

  it.each([
    ['an empty value', ''],
    ['a missing colon', keyA.toString('base64')],
    ['a missing id', `:${keyA.toString('base64')}`],
    ['a missing key', 'A:'],
    ['an extra colon', `A:${keyA.toString('base64')}:x`],
    ['a 16-byte key', entry('A', randomBytes(16))],
    ['a 31-byte key', entry('A', randomBytes(31))],
    ['a 33-byte key', entry('A', randomBytes(33))],
    ['a 64-byte key', entry('A', randomBytes(64))],
    ['duplicate ids', `${entry('A', keyA)},${entry('A', keyB)}`],
    ['an id with a dot (the sealed format’s separator)', entry('a.b', keyA)],
    ['an id with spaces', entry('a b', keyA)],
    ['an id longer than 32 characters', entry('x'.repeat(33), keyA)],
    ['a trailing comma', `${entry('A', keyA)},`],
  ])('rejects %s', (_label, value) => {
    expect(() => KeyRing.parse(value)).toThrow();
  });

  it('the constructor rejects an empty ring and keys that are not 32 bytes', () => {
    expect(() => new KeyRing([])).toThrow();
    expect(() => new KeyRing([{ id: 'A', key: randomBytes(16) }])).toThrow();
    expect(new KeyRing([{ id: 'A', key: keyA }]).decrypt(ringA.encrypt(SECRET, CONTEXT), CONTEXT)).toBe(SECRET);
  });

  it('error messages never contain key material', () => {
    const bad = entry('A', randomBytes(16));
    let message = '';
    try {
      KeyRing.parse(bad);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).not.toBe('');
    expect(message).not.toContain(bad.split(':')[1]);
  });
});
