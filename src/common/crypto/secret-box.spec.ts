import { randomBytes } from 'node:crypto';

import { SecretBox } from './secret-box';

const key = () => randomBytes(32).toString('hex');
const SECRET = 'Bearer sk-live-0123456789';

describe(SecretBox.name, () => {
  it('should seal a value so that neither it nor its base64 or hex shows, and open it in its context', () => {
    const box = SecretBox.fromSetting('USER_SERVERS_SECRET', key());
    const sealed = box.seal(SECRET, 'key:alice/weather/authorization');
    for (const form of [SECRET, Buffer.from(SECRET).toString('base64'), Buffer.from(SECRET).toString('hex')]) {
      expect(sealed).not.toContain(form);
    }
    expect(box.seal(SECRET, 'c')).not.toBe(box.seal(SECRET, 'c'));
    expect(box.open(sealed, 'key:alice/weather/authorization')).toBe(SECRET);
  });

  it('should not open a value moved to another context, altered, or sealed under an unknown key', () => {
    const box = SecretBox.fromSetting('USER_SERVERS_SECRET', key());
    const sealed = box.seal(SECRET, 'key:alice/weather/authorization');
    expect(box.open(sealed, 'key:bob/weather/authorization')).toBeUndefined();
    // One character of the ciphertext changed (the last part): GCM's tag no longer matches.
    const at = sealed.lastIndexOf('.') + 1;
    const altered = `${sealed.slice(0, at)}${sealed[at] === 'A' ? 'B' : 'A'}${sealed.slice(at + 1)}`;
    expect(box.open(altered, 'key:alice/weather/authorization')).toBeUndefined();
    expect(SecretBox.ephemeral().open(sealed, 'key:alice/weather/authorization')).toBeUndefined();
    expect(box.open('garbage', 'x')).toBeUndefined();
  });

  it('should rotate: the first key seals, every key opens', () => {
    const [oldKey, newKey] = [key(), key()];
    const sealedBefore = SecretBox.fromSetting('S', oldKey).seal(SECRET, 'c');
    const rotated = SecretBox.fromSetting('S', `${newKey},${oldKey}`);
    expect(rotated.open(sealedBefore, 'c')).toBe(SECRET);
    const sealedAfter = rotated.seal(SECRET, 'c');
    expect(SecretBox.fromSetting('S', newKey).open(sealedAfter, 'c')).toBe(SECRET);
    expect(SecretBox.fromSetting('S', oldKey).open(sealedAfter, 'c')).toBeUndefined();
  });

  it('should refuse a bad key naming the setting and its position, never its value', () => {
    const bad = 'not-a-key-but-a-secret';
    expect(() => SecretBox.fromSetting('USER_SERVERS_SECRET', `${key()},${bad}`)).toThrow(
      'USER_SERVERS_SECRET: key 2 is not 64 hex characters',
    );
    expect(() => SecretBox.fromSetting('USER_SERVERS_SECRET', bad)).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining(bad) }),
    );
  });
});
