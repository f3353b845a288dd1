import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const KEY_HEX = /^[0-9a-fA-F]{64}$/;
// Sealed values name their format and the key that sealed them: `v1.<key id>.<iv>.<tag>.<ciphertext>`.
const FORMAT = 'v1';

interface Key {
  id: string;
  bytes: Buffer;
}

/** A key's id in sealed values: not the key, nor enough to find it. */
const idOf = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('base64url').slice(0, 8);

/**
 * AES-256-GCM for secrets at rest (header values, tokens). The first key seals, every key opens, so a
 * new key is put first and the old one kept until nothing is sealed with it (rotation). Each value
 * is bound to its `context` (e.g. its owner and name), so a sealed value moved elsewhere does not open.
 */
export class SecretBox {
  private constructor(private readonly keys: readonly Key[]) {}

  /**
   * Keys from a setting: comma-separated, 64 hex characters each. Throws naming the setting and the
   * entry's position, never its value.
   */
  static fromSetting(setting: string, value: string): SecretBox {
    const keys = value.split(',').map((entry, index) => {
      const hex = entry.trim();
      if (!KEY_HEX.test(hex)) {
        throw new Error(`${setting}: key ${index + 1} is not 64 hex characters (32 bytes, e.g. openssl rand -hex 32)`);
      }
      const bytes = Buffer.from(hex, 'hex');
      return { id: idOf(bytes), bytes };
    });
    return new SecretBox(keys);
  }

  /** A key for this process alone: what it seals opens nowhere else, and not after a restart. */
  static ephemeral(): SecretBox {
    const bytes = randomBytes(32);
    return new SecretBox([{ id: idOf(bytes), bytes }]);
  }

  seal(plain: string, context: string): string {
    const [key] = this.keys;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, key.bytes, iv);
    cipher.setAAD(Buffer.from(context));
    const sealed = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    const parts = [iv, cipher.getAuthTag(), sealed].map((part) => part.toString('base64url'));
    return [FORMAT, key.id, ...parts].join('.');
  }

  /** The value, or undefined when no key opens it (another key, another context, altered). */
  open(sealed: string, context: string): string | undefined {
    const [format, id, iv, tag, data] = sealed.split('.');
    const key = this.keys.find((candidate) => candidate.id === id);
    if (format !== FORMAT || !key || iv === undefined || tag === undefined || data === undefined) {
      return undefined;
    }
    try {
      const decipher = createDecipheriv(ALGORITHM, key.bytes, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(context));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      // GCM refused it: altered, or sealed for another context. The caller reports it unreadable.
      return undefined;
    }
  }
}
