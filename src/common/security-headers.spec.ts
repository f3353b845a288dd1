import type { IncomingMessage } from 'node:http';

import { viewDocuments } from './security-headers';

describe(viewDocuments.name, () => {
  const PUBLIC_URL = 'https://chat.example.com';
  const frameSrc = (host?: string, publicUrl = PUBLIC_URL) =>
    viewDocuments(publicUrl)({ headers: host === undefined ? {} : { host } } as IncomingMessage);

  it("should allow view documents on the request's host, by name or IP literal with its port, and on PUBLIC_URL's", () => {
    expect(frameSrc('127.0.0.1:8080')).toBe(
      'http://127.0.0.1:8080/api/v3/views/ https://chat.example.com/api/v3/views/',
    );
    expect(frameSrc('[::1]:8080')).toBe('http://[::1]:8080/api/v3/views/ https://chat.example.com/api/v3/views/');
    expect(frameSrc('localhost:8080', 'http://localhost:8080')).toBe('http://localhost:8080/api/v3/views/');
  });

  it('should leave out a Host that could smuggle a source or a directive', () => {
    for (const host of [
      undefined,
      '',
      'a.test *',
      'a.test; script-src *',
      "'self'",
      'a.test/path',
      'a..test',
      'a.test:',
    ]) {
      expect(frameSrc(host)).toBe('https://chat.example.com/api/v3/views/');
    }
  });
});
