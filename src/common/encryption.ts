import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM under a key ring, for secrets Clavis must use itself (a provider's client
 * secret). The first key encrypts; every key decrypts, so keys rotate by prepending a new
 * one and re-saving. Ciphertexts name their key and are bound to the row they belong to
 * (additional authenticated data), so one cannot be copied onto another row.
 */
export interface RingKey {
  id: string;
  key: Buffer;
}

const FORMAT = 'v1';
const TAG_BYTES = 16;

export class KeyRing {
  private readonly byId: Map<string, Buffer>;

  constructor(private readonly keys: RingKey[]) {
    if (keys.length === 0) throw new Error('the key ring needs at least one key');
    for (const { id, key } of keys) {
      if (key.length !== 32) throw new Error(`key ${id} must be 32 bytes`);
    }
    this.byId = new Map(keys.map(({ id, key }) => [id, key]));
  }

  /** `id1:base64key,id2:base64key` — the format of ENCRYPTION_KEYS. */
  static parse(value: string): KeyRing {
    const keys = value.split(',').map((entry) => {
      const [id, encoded, extra] = entry.trim().split(':');
      if (!id || !encoded || extra !== undefined || !/^[A-Za-z0-9_-]{1,32}$/.test(id)) throw new Error('entries must be "<id>:<base64 key>"');
      const key = Buffer.from(encoded, 'base64');
      if (key.length !== 32) throw new Error(`key "${id}" must decode to 32 bytes`);
      return { id, key };
    });
    if (new Set(keys.map((k) => k.id)).size !== keys.length) throw new Error('key ids must be unique');
    return new KeyRing(keys);
  }

  encrypt(plaintext: string, context: string): string {
    const { id, key } = this.keys[0];
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [FORMAT, id, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ciphertext.toString('base64url')].join('.');
  }

  decrypt(sealed: string, context: string): string {
    const parts = sealed.split('.');
    const [format, id, iv, tag, ciphertext] = parts;
    if (parts.length !== 5 || format !== FORMAT) throw new Error('not a sealed value');
    const key = this.byId.get(id);
    if (!key) throw new Error(`no key "${id}" in the key ring`);
    // A fixed tag length: without it GCM also accepts tags truncated to as little as 4 bytes.
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'), { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
  }

  /** Id of the key new secrets are sealed with. */
  get currentKeyId(): string {
    return this.keys[0].id;
  }
}
