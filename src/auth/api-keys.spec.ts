import { ApiKeys, keyEntries } from './api-keys';

describe(ApiKeys.name, () => {
  it('should find the principal of each key, several keys per principal, and nobody for anything else', () => {
    const keys = ApiKeys.parse(
      keyEntries('alice:alice-key-0123456789, bob:bob-key-0123456789,alice:alice-new-key-0123', 'comma'),
      'AUTH_API_KEYS',
    );
    expect(keys.size).toBe(3);
    expect(keys.match('alice-key-0123456789')).toBe('alice');
    expect(keys.match('alice-new-key-0123')).toBe('alice');
    expect(keys.match('bob-key-0123456789')).toBe('bob');
    for (const guess of ['', 'alice', 'alice-key-012345678', 'alice-key-0123456789 ', 'bob:bob-key-0123456789']) {
      expect(keys.match(guess)).toBeUndefined();
    }
  });

  it('should read a keys file: one pair per line, blank lines and # comments skipped', () => {
    const entries = keyEntries(
      '# team keys\nalice:alice-key-0123456789\r\n\n  # old\nbob:bob-key-0123456789\n',
      'line',
    );
    expect(entries).toEqual(['alice:alice-key-0123456789', 'bob:bob-key-0123456789']);
  });

  it('should name every bad entry by position and principal, never repeating a key', () => {
    const parse = () =>
      ApiKeys.parse(
        [
          'no-colon-secret-value',
          'bad name:long-enough-key-123',
          'carol:short',
          'dan:dup-key-0123456789',
          'erin:dup-key-0123456789',
        ],
        'AUTH_API_KEYS',
      );
    expect(parse).toThrow(/AUTH_API_KEYS entry 1: expected principal:key/);
    expect(parse).toThrow(/entry 2: expected principal:key/);
    expect(parse).toThrow(/entry 3 \(carol\): the key must be 16 or more characters/);
    expect(parse).toThrow(/entry 5 \(erin\): the same key is given twice/);
    expect(parse).not.toThrow(/short|dup-key|secret-value|long-enough/);
  });
});
