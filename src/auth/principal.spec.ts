import { LOCAL_PRINCIPAL, principalToken } from './principal';

const SAFE = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

describe(principalToken.name, () => {
  it('should keep a readable name readable, the kind before a dot', () => {
    expect(principalToken('key:ops')).toBe('key.ops');
    expect(principalToken('jwt:alice_1.dev')).toBe('jwt.alice_1.dev');
    expect(principalToken(LOCAL_PRINCIPAL.id)).toBe('local');
  });

  it('should give a digest for a name that is not a safe token, never an option or a hidden folder', () => {
    for (const id of [
      'jwt:--evil=1',
      'jwt:-x',
      'jwt:.hidden',
      'jwt:../etc',
      'jwt:a b',
      'jwt:auth0|123',
      'key:a'.padEnd(80, 'a'),
      'weird',
    ]) {
      const token = principalToken(id);
      expect({ id, safe: SAFE.test(token), digest: /--[0-9a-f]{32}$/.test(token) }).toEqual({
        id,
        safe: true,
        digest: true,
      });
    }
  });

  it('should be stable and distinct per principal, kinds apart', () => {
    expect(principalToken('jwt:--evil=1')).toBe(principalToken('jwt:--evil=1'));
    const ids = ['key:ops', 'jwt:ops', 'jwt:--evil=1', 'jwt:--evil=2', 'key:--evil=1', 'jwt:a.b', 'jwt:a:b'];
    expect(new Set(ids.map(principalToken)).size).toBe(ids.length);
  });
});
