import type { Request } from 'express';
import { Subject } from 'rxjs';

import { FakeResponse } from '../../test/fakes/fake-response';
import type { Principal } from '../auth/principal';
import { AppException } from '../common/errors';
import { validateEnvironment } from '../config/validate-environment';
import { ErrorCode } from '../contract/error-code';
import type { StreamEvent } from '../contract/events';
import { SessionStatus } from '../contract/session-status';
import type { SessionsService } from '../sessions/sessions.service';
import { ChatSseController } from './chat-sse.controller';
import type { ConnectionsService } from './connections.service';
import { HeartbeatService } from './heartbeat.service';

const ALICE: Principal = { id: 'key:alice', admin: false };

const event = (id: number, type: StreamEvent['type'], data: object): StreamEvent =>
  ({ id, type, session_id: 's1', turn_id: null, ts: '2026-12-07T00:00:00.000Z', data }) as StreamEvent;

const request = (headers: Record<string, string> = {}) =>
  ({ headers: { host: 'localhost:8080', ...headers } }) as Request;

/** Resolves once the response's body contains `text`. */
async function received(response: FakeResponse, text: string): Promise<void> {
  while (!response.body.includes(text)) {
    await new Promise((resolve) => response.once('data', resolve));
  }
}

describe(ChatSseController.name, () => {
  let live: Subject<StreamEvent>;
  let sessions: Record<'get' | 'create' | 'feed' | 'send', jest.Mock>;
  let connections: Record<'openStream' | 'addressOf' | 'consumeMessage', jest.Mock>;
  let released: jest.Mock;
  let heartbeat: HeartbeatService;
  let controller: ChatSseController;
  let response: FakeResponse;

  beforeEach(() => {
    live = new Subject();
    sessions = {
      get: jest.fn(async () => ({ id: 's1' })),
      create: jest.fn(async () => ({ id: 'new' })),
      feed: jest.fn(async () => ({
        backlog: [event(1, 'session_start', { created_at: 'x', status: SessionStatus.IDLE })],
        live: live.asObservable(),
      })),
      send: jest.fn(async () => 't1'),
    };
    released = jest.fn();
    connections = {
      openStream: jest.fn(() => released),
      addressOf: jest.fn(() => '10.0.0.7'),
      consumeMessage: jest.fn(async () => undefined),
    };
    heartbeat = new HeartbeatService();
    controller = new ChatSseController(
      sessions as unknown as SessionsService,
      connections as unknown as ConnectionsService,
      heartbeat,
      validateEnvironment({ MAX_MESSAGE_CHARS: '10', CORS_ORIGINS: 'http://localhost:5173' }),
    );
    response = new FakeResponse();
  });

  it("should stream a session's backlog, then its live events and heartbeats, as id/event/data frames", async () => {
    await controller.stream(ALICE, { session_id: 's1' }, request(), response.asResponse());
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/event-stream');
    expect(sessions.feed).toHaveBeenCalledWith(ALICE, 's1', undefined, true);

    live.next(event(2, 'status', { status: SessionStatus.READY }));
    heartbeat.beat();
    await received(response, 'event: heartbeat');
    const frames = response.body.split('\n\n').filter(Boolean);
    expect(frames.map((frame) => frame.split('\n').slice(0, 2).join(' '))).toEqual([
      'id: 1 event: session_start',
      'id: 2 event: status',
      'id: 2 event: heartbeat',
    ]);
  });

  it('should resume after Last-Event-ID, which wins over the query, and replay the turn the client names', async () => {
    await controller.stream(
      ALICE,
      { session_id: 's1', last_event_id: 3, from_turn: 't9' },
      request(),
      response.asResponse(),
      '7',
    );
    expect(sessions.feed).toHaveBeenCalledWith(ALICE, 's1', 7, 't9');
  });

  it('should create a session for a stream opened without one', async () => {
    await controller.stream(ALICE, {}, request(), response.asResponse());
    expect(sessions.create).toHaveBeenCalledWith(ALICE, undefined);
    expect(sessions.feed).toHaveBeenCalledWith(ALICE, 'new', undefined, true);
  });

  it('should refuse a browser Origin outside CORS_ORIGINS before taking a stream slot', async () => {
    await expect(
      controller.stream(ALICE, { session_id: 's1' }, request({ origin: 'http://evil.test' }), response.asResponse()),
    ).rejects.toMatchObject({ code: ErrorCode.ORIGIN_NOT_ALLOWED });
    expect(connections.openStream).not.toHaveBeenCalled();
    await controller.stream(
      ALICE,
      { session_id: 's1' },
      request({ origin: 'http://localhost:8080' }),
      response.asResponse(),
    );
    expect(connections.openStream).toHaveBeenCalled();
  });

  it("should give the stream slot back when the session is not the caller's", async () => {
    sessions.get.mockRejectedValue(new AppException(ErrorCode.SESSION_NOT_FOUND, 'Session s1 not found'));
    await expect(
      controller.stream(ALICE, { session_id: 's1' }, request(), response.asResponse()),
    ).rejects.toMatchObject({
      code: ErrorCode.SESSION_NOT_FOUND,
    });
    expect(released).toHaveBeenCalledTimes(1);
  });

  it('should end the stream after session_end, and release everything when the client goes', async () => {
    await controller.stream(ALICE, { session_id: 's1' }, request(), response.asResponse());
    live.next(event(2, 'session_end', { reason: 'deleted' }));
    live.complete();
    await received(response, 'event: session_end');
    response.hangUp();
    await new Promise((resolve) => response.once('close', resolve));
    expect(released).toHaveBeenCalledTimes(1);
    expect(live.observed).toBe(false);
  });

  it('should tell the client where to resume when the store goes away mid-stream', async () => {
    await controller.stream(ALICE, { session_id: 's1' }, request(), response.asResponse());
    live.error(new AppException(ErrorCode.STORE_UNAVAILABLE, 'The session store is unavailable'));
    await received(response, 'event: error');
    expect(response.body).toContain('"code":"STORE_UNAVAILABLE"');
  });

  it('should check, count and send a message, and answer with its turn', async () => {
    expect(await controller.send(ALICE, { session_id: 's1', message: 'hi' }, request())).toEqual({
      session_id: 's1',
      turn_id: 't1',
    });
    expect(connections.consumeMessage).toHaveBeenCalledWith(ALICE, '10.0.0.7', 'sse');
    expect(sessions.send).toHaveBeenCalledWith(ALICE, 's1', 'hi', {});
    await expect(
      controller.send(ALICE, { session_id: 's1', message: 'far too long' }, request()),
    ).rejects.toMatchObject({
      code: ErrorCode.VALIDATION_FAILED,
    });
    expect(sessions.send).toHaveBeenCalledTimes(1);
  });
});
