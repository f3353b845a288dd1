import { createSession, postJson } from './helpers/http';
import { noMcpServers, startApp } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';

const LIMIT = 5;
const TURNS = 8;

/** MAX_HISTORY_MESSAGES bounds what a turn reads and sends, never what is kept. */
describe('history bound (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp({ MAX_HISTORY_MESSAGES: String(LIMIT), MCP_CONFIG: noMcpServers() });
  });

  afterAll(async () => {
    await t?.close();
  });

  it('should send the model at most MAX_HISTORY_MESSAGES earlier messages, and keep the history whole', async () => {
    const sessionId = await createSession(t.url);
    for (let turn = 1; turn <= TURNS; turn++) {
      const answer = await postJson(`${t.url}/chat`, { session_id: sessionId, message: `turn ${turn}` });
      expect(answer.status).toBe(200);
    }

    const requests = t.llm.requests.slice(-TURNS).map((request) => request.messages);
    for (const [index, messages] of requests.entries()) {
      const [system, ...rest] = messages;
      const earlier = rest.slice(0, -1);
      expect(system.role).toBe('system');
      expect(rest.at(-1)).toMatchObject({ role: 'user', content: `turn ${index + 1}` });
      // Two messages a turn: the newest whole turns that fit, the note once earlier ones are out.
      expect(earlier.length).toBe(Math.min(index * 2, LIMIT - 1));
      expect(earlier[0]?.role ?? 'user').toBe('user');
      expect(JSON.stringify(system.content).includes('were left out')).toBe(index * 2 > LIMIT - 1);
    }

    // Stored whole: paged from the newest back to the first message.
    const seen: string[] = [];
    let before: number | null = null;
    do {
      const query: string = before === null ? '' : `&before=${before}`;
      const page = (await (await fetch(`${t.url}/api/v3/sessions/${sessionId}/messages?limit=3${query}`)).json()) as {
        messages: Array<{ content: string }>;
        next_before: number | null;
      };
      seen.unshift(...page.messages.map((message) => message.content));
      before = page.next_before;
    } while (before !== null);
    expect(seen).toHaveLength(TURNS * 2);
    expect(seen[0]).toBe('turn 1');
    expect(seen.at(-1)).toBe(`Echo: turn ${TURNS}`);
  });
});
