import { Writable } from 'node:stream';
import pino from 'pino';

import { AppLogger } from './app-logger';
import { loggedUrl, REDACTED, redactPaths } from './log-redaction';

describe(AppLogger.name, () => {
  let lines: Array<Record<string, unknown>>;
  let logger: AppLogger;

  const build = (logContent: boolean) => {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    const instance = pino({ level: 'info', redact: { paths: redactPaths(logContent), censor: REDACTED } }, sink);
    return new AppLogger(instance);
  };

  beforeEach(() => {
    lines = [];
    logger = build(false);
  });

  it('should put the context, a stack and an object message in fields of one line', () => {
    logger.log('plain', 'Ctx');
    logger.error('failed', 'Error: x\n    at frame (file.js:1:1)', 'Ctx');
    logger.warn({ msg: 'about a turn', session_id: 's1', turn_id: 't1' }, 'Ctx');
    expect(lines).toEqual([
      expect.objectContaining({ msg: 'plain', context: 'Ctx', level: 30 }),
      expect.objectContaining({ msg: 'failed', context: 'Ctx', stack: expect.stringContaining('at frame') }),
      expect.objectContaining({ msg: 'about a turn', context: 'Ctx', session_id: 's1', turn_id: 't1' }),
    ]);
  });

  it("should move Nest's start-up narration to debug, below the default level", () => {
    logger.log('Mapped {/x, GET} route', 'RouterExplorer');
    logger.log('Listening', 'Startup');
    expect(lines.map((line) => line.msg)).toEqual(['Listening']);
  });

  it('should redact content unless LOG_CONTENT, and credentials always', () => {
    logger.log({ msg: 'turn', content: 'the words', arguments: { a: 1 }, token: 'tok', nested: { password: 'p' } });
    build(true).log({ msg: 'turn', content: 'the words', api_key: 'k' });
    expect(lines[0]).toMatchObject({
      content: REDACTED,
      arguments: REDACTED,
      token: REDACTED,
      nested: { password: REDACTED },
    });
    expect(lines[1]).toMatchObject({ content: 'the words', api_key: REDACTED });
  });

  it("should hide a token, a view ticket, an OAuth callback's code and state, and a chat search given in a URL", () => {
    expect(loggedUrl('/api/v3/chat/stream?session_id=s&access_token=abc.def')).toBe(
      `/api/v3/chat/stream?session_id=s&access_token=${REDACTED}`,
    );
    expect(loggedUrl('/api/v3/views/AbCdEfGhIjKlMnOpQrStUvWxYz012345')).toBe(`/api/v3/views/${REDACTED}`);
    expect(loggedUrl('/api/v3/mcp/oauth/callback?code=c0de&state=5tate&iss=https%3A%2F%2Fas')).toBe(
      `/api/v3/mcp/oauth/callback?code=${REDACTED}&state=${REDACTED}&iss=https%3A%2F%2Fas`,
    );
    expect(loggedUrl('/api/v3/sessions?limit=5&q=my%20diagnosis')).toBe(`/api/v3/sessions?limit=5&q=${REDACTED}`);
  });
});
