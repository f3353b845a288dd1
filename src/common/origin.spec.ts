import { originAllowed } from './origin';

const request = (origin: string | undefined, host = 'chat.example:8080') => ({ headers: { origin, host } });
const allowed = ['http://localhost:5173'];

describe(originAllowed.name, () => {
  it('should allow no Origin, a listed Origin and the same origin', () => {
    expect(originAllowed(request(undefined), allowed)).toBe(true);
    expect(originAllowed(request('http://localhost:5173'), allowed)).toBe(true);
    expect(originAllowed(request('https://chat.example:8080'), allowed)).toBe(true);
  });

  it('should refuse a foreign, an opaque and an unparsable Origin', () => {
    expect(originAllowed(request('https://evil.example'), allowed)).toBe(false);
    expect(originAllowed(request('http://chat.example:9090'), allowed)).toBe(false);
    expect(originAllowed(request('null'), allowed)).toBe(false);
    expect(originAllowed(request('not a url'), allowed)).toBe(false);
  });
});
