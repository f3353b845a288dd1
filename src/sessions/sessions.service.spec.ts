import { ConfigModule } from '@nestjs/config';
import { ScheduleModule } from '@nestjs/schedule';
import { Test } from '@nestjs/testing';
import type { TestingModule } from '@nestjs/testing';
import { lastValueFrom, toArray } from 'rxjs';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ScriptedLlm } from '../../test/fixtures/scripted-llm';
import { appConfig } from '../config/app-config';
import { SessionStatus } from './events';
import type { StreamEvent } from './events';
import { SessionsModule } from './sessions.module';
import { SessionsService } from './sessions.service';

describe(SessionsService.name, () => {
  let llm: ScriptedLlm;
  let llmUrl: string;
  let dir: string;
  let moduleRef: TestingModule;
  let sessions: SessionsService;

  beforeAll(async () => {
    llm = new ScriptedLlm();
    llmUrl = await llm.start();
    dir = mkdtempSync(join(tmpdir(), 'sessions-spec-'));
    writeFileSync(join(dir, 'mcp.json'), JSON.stringify({ mcpServers: {} }));
  });

  afterAll(async () => {
    await llm.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(async () => {
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
            }),
          ],
        }),
        ScheduleModule.forRoot(),
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
    const { record, status } = await sessions.create();
    expect(status).toBe(SessionStatus.IDLE);
    const { backlog } = await sessions.feed(record.id);
    expect(backlog).toEqual([
      expect.objectContaining({ id: 1, type: 'session_start', session_id: record.id, turn_id: null }),
    ]);
  });

  it('should throw SESSION_NOT_FOUND for an unknown session on every entry point', async () => {
    await expect(sessions.get('nope')).rejects.toMatchObject({ code: 'SESSION_NOT_FOUND' });
    await expect(sessions.send('nope', 'hi')).rejects.toMatchObject({ code: 'SESSION_NOT_FOUND' });
    await expect(sessions.delete('nope')).rejects.toMatchObject({ code: 'SESSION_NOT_FOUND' });
    expect(() => sessions.cancel('nope')).toThrow(expect.objectContaining({ code: 'SESSION_NOT_FOUND' }));
    await expect(sessions.feed('nope')).rejects.toMatchObject({ code: 'SESSION_NOT_FOUND' });
  });

  it('should run a turn, settle its outcome and store its messages', async () => {
    const { record } = await sessions.create();
    const { turnId, outcome } = await sessions.send(record.id, 'hello');
    await expect(outcome).resolves.toEqual({
      ok: true,
      session_id: record.id,
      turn_id: turnId,
      response: 'Echo: hello',
      steps: [],
    });
    const after = await sessions.get(record.id);
    expect(after).toMatchObject({
      status: SessionStatus.READY,
      record: { turns: 1, messages: [{ role: 'user' }, { role: 'assistant' }] },
    });
  });

  it('should queue up to TURN_QUEUE_LIMIT behind a running turn and refuse more with SESSION_BUSY', async () => {
    const { record } = await sessions.create();
    const first = await sessions.send(record.id, '[[hold:spec-queue]]');
    await llm.held('spec-queue');
    const second = await sessions.send(record.id, 'second');
    await expect(sessions.send(record.id, 'third')).rejects.toMatchObject({ code: 'SESSION_BUSY' });
    expect(sessions.stats()).toMatchObject({ processing: 1, queued_messages: 1 });
    llm.release('spec-queue');
    await expect(first.outcome).resolves.toMatchObject({ ok: true });
    await expect(second.outcome).resolves.toMatchObject({ ok: true, response: 'Echo: second' });
  });

  it('should cancel only a running turn', async () => {
    const { record } = await sessions.create();
    expect(sessions.cancel(record.id)).toBe(false);
    const running = await sessions.send(record.id, '[[hold:spec-cancel]]');
    await llm.held('spec-cancel');
    expect(sessions.cancel(record.id)).toBe(true);
    const outcome = await running.outcome;
    expect(outcome.ok === false && outcome.error.code).toBe('TURN_CANCELLED');
    llm.release('spec-cancel');
    expect((await sessions.get(record.id)).record.messages).toEqual([]);
  });

  it('should replay retained events after an id, then the live ones, and complete on session_end', async () => {
    const { record } = await sessions.create();
    await (
      await sessions.send(record.id, 'one')
    ).outcome;
    const { backlog, live } = await sessions.feed(record.id, 1);
    const after = lastValueFrom(live.pipe(toArray()));
    await sessions.delete(record.id);
    expect(backlog[0].id).toBe(2);
    expect(backlog.map((e) => e.type)).toContain('final_response');
    const rest = await after;
    expect(rest.map((e) => e.id)).toEqual(rest.map((_, i) => backlog[backlog.length - 1].id + 1 + i));
    expect(rest[rest.length - 1]).toMatchObject({ type: 'session_end', data: { reason: 'deleted' } });
  });

  it('should hold back live events published while the backlog is read, and deliver each once', async () => {
    const { record } = await sessions.create();
    const feeding = sessions.feed(record.id, 0);
    // Published after the subscription, before the backlog has been read.
    const turn = await sessions.send(record.id, 'during');
    const { backlog, live } = await feeding;
    const seen: StreamEvent[] = [];
    const subscription = live.subscribe((event) => seen.push(event));
    await turn.outcome;
    subscription.unsubscribe();
    const ids = [...backlog, ...seen].map((e) => e.id);
    expect(ids).toEqual(ids.map((_, i) => i + 1));
    expect(seen.map((e) => e.type)).toContain('final_response');
  });

  it('should sweep idle sessions but not busy ones, and end the rest at shutdown', async () => {
    const idle = (await sessions.create()).record.id;
    const busy = (await sessions.create()).record.id;
    const running = await sessions.send(busy, '[[hold:spec-sweep]]');
    await llm.held('spec-sweep');

    expect(await sessions.sweepExpired(Date.now() + 5000)).toEqual([idle]);
    await expect(sessions.get(idle)).rejects.toMatchObject({ code: 'SESSION_NOT_FOUND' });

    const ends = lastValueFrom((await sessions.feed(busy)).live.pipe(toArray()));
    await sessions.beforeApplicationShutdown();
    const [error, end] = (await ends).slice(-2);
    // The running turn gets its own error before session_end.
    expect(error).toMatchObject({ type: 'error', turn_id: running.turnId, data: { code: 'SERVER_SHUTDOWN' } });
    expect(end).toMatchObject({ type: 'session_end', data: { reason: 'shutdown' } });
    const outcome = await running.outcome;
    expect(outcome.ok === false && outcome.error.code).toBe('SERVER_SHUTDOWN');
    llm.release('spec-sweep');
  });
});
