import { ConfigModule } from '@nestjs/config';
import { ScheduleModule } from '@nestjs/schedule';
import { Test } from '@nestjs/testing';
import type { TestingModule } from '@nestjs/testing';
import { Redis } from 'ioredis';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastValueFrom, toArray } from 'rxjs';

import { ScriptedLlm } from '../../test/fixtures/scripted-llm';
import { startRedis } from '../../test/helpers/redis-server';
import type { RedisServer } from '../../test/helpers/redis-server';
import type { Principal } from '../auth/principal';
import { appConfig } from '../config/app-config';
import type { StreamEvent } from '../contract/events';
import { SessionStatus } from '../contract/session-status';
import { MetricsModule } from '../metrics/metrics.module';
import { RedisModule } from '../redis/redis.module';
import { SessionSweep } from './session-sweep.service';
import { SessionsModule } from './sessions.module';
import { SessionsService } from './sessions.service';
import { endsTurn } from './turn-outcome';

const ME: Principal = { id: 'alice', admin: false };
const OTHER: Principal = { id: 'mallory', admin: false };
const ADMIN: Principal = { id: 'root', admin: true };

/** Collects a session's live events until `done` says so. */
async function watch(sessions: SessionsService, id: string, done: (seen: StreamEvent[]) => boolean) {
  const seen: StreamEvent[] = [];
  const { live } = await sessions.feed(ME, id);
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const subscription = live.subscribe((event) => {
    seen.push(event);
    if (done(seen)) {
      finish();
    }
  });
  return { seen, finished: finished.then(() => subscription.unsubscribe()) };
}

const turnsEnded = (count: number) => (seen: StreamEvent[]) => seen.filter(endsTurn).length >= count;

describe.each<[string]>([['memory'], ['redis']])(`${SessionsService.name} on %s`, (backend) => {
  let llm: ScriptedLlm;
  let llmUrl: string;
  let dir: string;
  let redis: RedisServer | undefined;
  let moduleRef: TestingModule;
  let sessions: SessionsService;

  beforeAll(async () => {
    llm = new ScriptedLlm();
    llmUrl = await llm.start();
    dir = mkdtempSync(join(tmpdir(), 'sessions-spec-'));
    writeFileSync(join(dir, 'mcp.json'), JSON.stringify({ mcpServers: {} }));
    redis = backend === 'redis' ? await startRedis() : undefined;
  });

  afterAll(async () => {
    await llm.stop();
    await redis?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    if (redis) {
      // Sessions in Redis outlive the app: each test starts from an empty store.
      const client = new Redis(redis.url);
      await client.flushdb();
      client.disconnect();
    }
    moduleRef = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot({
          isGlobal: true,
          ignoreEnvFile: true,
          load: [
            appConfig({
              LLM_MODEL: 'openai:scripted',
              OPENAI_BASE_URL: llmUrl,
              LLM_MAX_RETRIES: '0',
              MCP_CONFIG: join(dir, 'mcp.json'),
              TURN_QUEUE_LIMIT: '1',
              SESSION_TTL_MS: '1000',
              LOG_LEVEL: 'error',
              ...(redis ? { REDIS_URL: redis.url } : {}),
            }),
          ],
        }),
        ScheduleModule.forRoot(),
        MetricsModule,
        RedisModule,
        SessionsModule,
      ],
    }).compile();
    moduleRef.useLogger(false);
    sessions = moduleRef.get(SessionsService);
  });

  afterEach(async () => {
    await moduleRef.close();
  });

  it('should create an idle session whose stream starts with session_start', async () => {
    const session = await sessions.create(ME);
    expect(session.status).toBe(SessionStatus.IDLE);
    const { backlog } = await sessions.feed(ME, session.id);
    expect(backlog).toEqual([
      expect.objectContaining({ id: 1, type: 'session_start', session_id: session.id, turn_id: null }),
    ]);
  });

  it('should throw SESSION_NOT_FOUND for an unknown session on every entry point', async () => {
    await expect(sessions.get(ME, 'nope')).rejects.toMatchObject({ code: 'SESSION_NOT_FOUND' });
    await expect(sessions.send(ME, 'nope', 'hi')).rejects.toMatchObject({ code: 'SESSION_NOT_FOUND' });
    await expect(sessions.delete(ME, 'nope')).rejects.toMatchObject({ code: 'SESSION_NOT_FOUND' });
    await expect(sessions.cancel(ME, 'nope')).rejects.toMatchObject({ code: 'SESSION_NOT_FOUND' });
    await expect(sessions.feed(ME, 'nope')).rejects.toMatchObject({ code: 'SESSION_NOT_FOUND' });
    await expect(sessions.history(ME, 'nope', 10)).rejects.toMatchObject({ code: 'SESSION_NOT_FOUND' });
  });

  it("should answer SESSION_NOT_FOUND to another principal on every entry point, and list only one's own", async () => {
    const { id } = await sessions.create(ME);
    const answer = { action: 'decline' } as const;
    const attempts = [
      sessions.get(OTHER, id),
      sessions.send(OTHER, id, 'hi'),
      sessions.run(OTHER, id, 'hi'),
      sessions.delete(OTHER, id),
      sessions.cancel(OTHER, id),
      sessions.feed(OTHER, id),
      sessions.history(OTHER, id, 10),
      sessions.answerElicitation(OTHER, id, 'e1', answer),
      // An administrator reads and ends any session, but never speaks in someone else's.
      sessions.send(ADMIN, id, 'hi'),
      sessions.answerElicitation(ADMIN, id, 'e1', answer),
    ];
    for (const attempt of attempts) {
      await expect(attempt).rejects.toMatchObject({
        code: 'SESSION_NOT_FOUND',
        message: `Session ${id} not found (it may have expired)`,
      });
    }
    expect((await sessions.get(ME, id)).message_count).toBe(0);
    const theirs = await sessions.create(OTHER);
    expect((await sessions.list(ME, 10)).sessions.map((s) => s.id)).toEqual([id]);
    await expect(sessions.list(ME, 10, undefined, true)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect((await sessions.list(ADMIN, 10, undefined, true)).sessions.map((s) => s.id)).toEqual([theirs.id, id]);
    expect(await sessions.get(ADMIN, id)).toMatchObject({ owner: ME.id });
    await sessions.delete(ADMIN, theirs.id);
    await expect(sessions.get(OTHER, theirs.id)).rejects.toMatchObject({ code: 'SESSION_NOT_FOUND' });
  });

  it('should run a turn, answer with its outcome and append its messages', async () => {
    const { id } = await sessions.create(ME);
    await expect(sessions.run(ME, id, 'hello')).resolves.toEqual({
      turnId: expect.any(String),
      response: 'Echo: hello',
      model: 'scripted',
      usage: { input_tokens: 20, output_tokens: 2, total_tokens: 22 },
      steps: [],
    });
    expect(await sessions.get(ME, id)).toMatchObject({ status: SessionStatus.READY, turns: 1, message_count: 2 });
    expect((await sessions.history(ME, id, 10)).messages).toEqual([
      { role: 'user', content: 'hello' },
      { role: 'assistant', content: 'Echo: hello', model: 'scripted' },
    ]);
  });

  it('should queue up to TURN_QUEUE_LIMIT behind a running turn and refuse more with SESSION_BUSY', async () => {
    const { id } = await sessions.create(ME);
    const events = await watch(sessions, id, turnsEnded(2));
    await sessions.send(ME, id, `[[hold:spec-queue-${backend}]]`);
    await llm.held(`spec-queue-${backend}`);
    const second = await sessions.send(ME, id, 'second');
    await expect(sessions.send(ME, id, 'third')).rejects.toMatchObject({ code: 'SESSION_BUSY' });
    expect(await sessions.stats()).toMatchObject({ processing: 1, held: 1, total: 1 });
    expect(await sessions.get(ME, id)).toMatchObject({ queued: 1 });
    llm.release(`spec-queue-${backend}`);
    await events.finished;
    const ends = events.seen.filter(endsTurn);
    expect(ends.map((e) => e.type)).toEqual(['final_response', 'final_response']);
    expect(ends[1]).toMatchObject({ turn_id: second, data: { content: 'Echo: second' } });
  });

  it('should cancel only a running turn, keeping its words in the history marked cancelled', async () => {
    const { id } = await sessions.create(ME);
    expect(await sessions.cancel(ME, id)).toBe(false);
    const events = await watch(sessions, id, turnsEnded(1));
    const turn = await sessions.send(ME, id, `[[hold:spec-cancel-${backend}]]`);
    await llm.held(`spec-cancel-${backend}`);
    expect(await sessions.cancel(ME, id)).toBe(true);
    await events.finished;
    expect(events.seen.find(endsTurn)).toMatchObject({
      type: 'error',
      turn_id: turn,
      data: { code: 'TURN_CANCELLED' },
    });
    llm.release(`spec-cancel-${backend}`);
    expect((await sessions.history(ME, id, 10)).messages).toEqual([
      { role: 'user', content: `[[hold:spec-cancel-${backend}]]`, incomplete: 'cancelled' },
    ]);
    expect(await sessions.get(ME, id)).toMatchObject({ turns: 0, status: SessionStatus.READY });
  });

  it('should replay retained events after an id, then the live ones, and complete on session_end', async () => {
    const { id } = await sessions.create(ME);
    await sessions.run(ME, id, 'one');
    const { backlog, live } = await sessions.feed(ME, id, 1);
    const after = lastValueFrom(live.pipe(toArray()));
    await sessions.delete(ME, id);
    expect(backlog[0].id).toBe(2);
    expect(backlog.map((e) => e.type)).toContain('final_response');
    const rest = await after;
    expect(rest.map((e) => e.id)).toEqual(rest.map((_, i) => backlog[backlog.length - 1].id + 1 + i));
    expect(rest[rest.length - 1]).toMatchObject({ type: 'session_end', data: { reason: 'deleted' } });
  });

  it('should hold back live events published while the backlog is read, and deliver each once', async () => {
    const { id } = await sessions.create(ME);
    const feeding = sessions.feed(ME, id, 0);
    // Published after the subscription, before the backlog has been read.
    const running = sessions.run(ME, id, 'during');
    const { backlog, live } = await feeding;
    const seen: StreamEvent[] = [];
    const subscription = live.subscribe((event) => seen.push(event));
    await running;
    subscription.unsubscribe();
    const ids = [...backlog, ...seen].map((e) => e.id);
    expect(ids).toEqual(ids.map((_, i) => i + 1));
    expect(seen.map((e) => e.type)).toContain('final_response');
  });

  it('should sweep idle sessions but not busy ones', async () => {
    const idle = (await sessions.create(ME)).id;
    const busy = (await sessions.create(ME)).id;
    const events = await watch(sessions, busy, turnsEnded(1));
    await sessions.send(ME, busy, `[[hold:spec-sweep-${backend}]]`);
    await llm.held(`spec-sweep-${backend}`);
    const sweep = moduleRef.get(SessionSweep);
    expect(await sweep.sweepExpired(Date.now() + 5000)).toEqual([idle]);
    expect(await sweep.sweepExpired(Date.now() + 5000)).toEqual([]);
    await expect(sessions.get(ME, idle)).rejects.toMatchObject({ code: 'SESSION_NOT_FOUND' });
    llm.release(`spec-sweep-${backend}`);
    await events.finished;
  });

  it('should end a running turn at shutdown: with the session (memory), or leaving it to other nodes (redis)', async () => {
    const { id } = await sessions.create(ME);
    const events = await watch(sessions, id, (seen) => seen.some((e) => e.type === 'error'));
    const turn = await sessions.send(ME, id, `[[hold:spec-shutdown-${backend}]]`);
    await llm.held(`spec-shutdown-${backend}`);
    await sessions.beforeApplicationShutdown();
    await events.finished;
    const shared = backend === 'redis';
    expect(events.seen.find((e) => e.type === 'error')).toMatchObject({
      turn_id: turn,
      data: { code: 'SERVER_SHUTDOWN', session_usable: shared },
    });
    llm.release(`spec-shutdown-${backend}`);
    if (shared) {
      expect((await sessions.history(ME, id, 10)).messages).toEqual([
        { role: 'user', content: `[[hold:spec-shutdown-${backend}]]`, incomplete: 'interrupted' },
      ]);
      expect((await sessions.get(ME, id)).node).toBeUndefined();
    } else {
      await expect(sessions.get(ME, id)).rejects.toMatchObject({ code: 'SESSION_NOT_FOUND' });
    }
  });
});
