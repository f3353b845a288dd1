import type { IncomingMessage } from 'node:http';

import { viewDocuments } from './security-headers';

describe(viewDocuments.name, () => {
  const frameSrc = (host?: string) => viewDocuments({ headers: host === undefined ? {} : { host } } as IncomingMessage);

  it("should allow this host's view documents only, by name or IP literal, port kept", () => {
    expect(frameSrc('127.0.0.1:8080')).toBe('http://127.0.0.1:8080/api/v3/views/');
    expect(frameSrc('[::1]:8080')).toBe('http://[::1]:8080/api/v3/views/');
    expect(frameSrc('Chat.Example.com')).toBe('http://Chat.Example.com/api/v3/views/');
  });

  it('should allow no frame at all for a Host that could smuggle a source or a directive', () => {
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
      expect(frameSrc(host)).toBe("'none'");
    }
  });
});
