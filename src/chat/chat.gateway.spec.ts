import type { Namespace, Socket } from 'socket.io';

import { FakeSocket } from '../../test/fakes/fake-socket';
import { storedRecord } from '../../test/helpers/session-store-backends';
import type { AuthService } from '../auth/auth.service';
import type { Principal } from '../auth/principal';
import { AppException } from '../common/errors';
import { PAGE_DEFAULT_LIMIT } from '../common/page';
import { validateEnvironment } from '../config/validate-environment';
import { ErrorCode } from '../contract/error-code';
import type { SessionRecord } from '../contract/session-record';
import { SessionStatus } from '../contract/session-status';
import type { SessionsService } from '../sessions/sessions.service';
import { ChatGateway } from './chat.gateway';
import type { ConnectionsService } from './connections.service';
import { HeartbeatService } from './heartbeat.service';
import type { SocketFeeds } from './socket-feeds';
import { stateOf } from './socket-feeds';

const ALICE: Principal = { id: 'key:alice', admin: false };

const record = (id: string, extra: Partial<SessionRecord> = {}): SessionRecord => ({
  ...storedRecord(id, 1, ALICE.id),
  ...extra,
});

describe(ChatGateway.name, () => {
  let calls: string[];
  let sessions: Record<'create' | 'detail' | 'send' | 'cancel' | 'answerApproval' | 'answerElicitation', jest.Mock>;
  let connections: Record<'addressOf' | 'socketOpened' | 'consumeMessage' | 'claimConnection', jest.Mock>;
  let released: jest.Mock;
  let feeds: Record<'follow' | 'leave' | 'leaveAll', jest.Mock>;
  let auth: Record<'authenticate', jest.Mock>;
  let gateway: ChatGateway;
  let socket: FakeSocket;

  /** A connected socket, as the gateway leaves it after the handshake. */
  const connected = (principal = ALICE) => {
    const fake = new FakeSocket();
    fake.data = { principal };
    gateway.handleConnection(fake.asSocket());
    return fake;
  };

  beforeEach(() => {
    calls = [];
    released = jest.fn();
    sessions = {
      create: jest.fn(async () => record('new')),
      detail: jest.fn(async (_principal, id: string) => ({
        record: record(id, { status: SessionStatus.PROCESSING, title: 'Hi' }),
        page: { messages: [{ role: 'user' as const, content: 'hi' }], total: 1, next_before: null },
        pending: { running: { turn_id: 't1', content: 'hi' }, queued: [] },
      })),
      send: jest.fn(async () => {
        calls.push('send');
        return 't2';
      }),
      cancel: jest.fn(async () => true),
      answerApproval: jest.fn(async () => undefined),
      answerElicitation: jest.fn(async () => undefined),
    };
    connections = {
      addressOf: jest.fn(() => '10.0.0.7'),
      socketOpened: jest.fn(),
      claimConnection: jest.fn(() => released),
      consumeMessage: jest.fn(async () => {
        calls.push('consume');
      }),
    };
    feeds = {
      follow: jest.fn(async () => {
        calls.push('follow');
      }),
      leave: jest.fn(() => true),
      leaveAll: jest.fn(),
    };
    auth = { authenticate: jest.fn() };
    gateway = new ChatGateway(
      sessions as unknown as SessionsService,
      connections as unknown as ConnectionsService,
      feeds as unknown as SocketFeeds,
      new HeartbeatService(),
      auth as unknown as AuthService,
      validateEnvironment({ SOCKET_MAX_SESSIONS: '2', MAX_MESSAGE_CHARS: '10' }),
    );
    socket = connected();
  });

  describe('the handshake', () => {
    let middleware: (socket: Socket, next: (error?: Error) => void) => void;

    beforeEach(() => {
      const server = { use: (fn: typeof middleware) => (middleware = fn), emit: jest.fn() };
      gateway.afterInit(server as unknown as Namespace);
    });

    it('should accept a connection whose token authenticates, with its principal', async () => {
      auth.authenticate.mockResolvedValue(ALICE);
      const fresh = new FakeSocket();
      fresh.handshake.auth = { token: 'secret-key-of-alice' };
      const error = await new Promise((resolve) => middleware(fresh.asSocket(), resolve));
      expect(error).toBeUndefined();
      expect(auth.authenticate).toHaveBeenCalledWith('secret-key-of-alice');
      expect(fresh.data).toEqual({ principal: ALICE });
      expect(connections.claimConnection).toHaveBeenCalledWith(ALICE);
      // Its slot is given back when its connection closes (also one that never got to connect).
      expect(released).not.toHaveBeenCalled();
      fresh.conn.emit('close');
      expect(released).toHaveBeenCalled();
    });

    it("should refuse one past the principal's connection cap with TOO_MANY_STREAMS, before it connects", async () => {
      auth.authenticate.mockResolvedValue(ALICE);
      connections.claimConnection.mockImplementation(() => {
        throw new AppException(ErrorCode.TOO_MANY_STREAMS, 'Too many connections');
      });
      const fresh = new FakeSocket();
      const error = await new Promise<Error & { data?: unknown }>((resolve) =>
        middleware(fresh.asSocket(), (e) => resolve(e as Error)),
      );
      expect(error.message).toBe('TOO_MANY_STREAMS: Too many connections');
      expect(error.data).toEqual({ error: { code: 'TOO_MANY_STREAMS', message: 'Too many connections' } });
      expect(fresh.data).toEqual({});
    });

    it('should refuse one that does not with a connect_error naming the code, its body in data', async () => {
      auth.authenticate.mockRejectedValue(new AppException(ErrorCode.UNAUTHORIZED, 'Unknown API key'));
      const error = await new Promise<Error & { data?: unknown }>((resolve) =>
        middleware(new FakeSocket().asSocket(), (e) => resolve(e as Error)),
      );
      expect(error.message).toBe('UNAUTHORIZED: Unknown API key');
      expect(error.data).toEqual({ error: { code: 'UNAUTHORIZED', message: 'Unknown API key' } });
    });
  });

  it("should keep the socket's principal and client address, and count it", () => {
    expect(stateOf(socket.asSocket())).toMatchObject({
      principal: ALICE,
      address: '10.0.0.7',
      subscriptions: new Map(),
    });
    expect(connections.socketOpened).toHaveBeenCalledWith(socket, ALICE, '10.0.0.7');
  });

  it('should create a session on join_chat without one, with the model asked for, ack it first, then stream it', async () => {
    const ack = jest.fn(() => calls.push('ack'));
    sessions.create.mockImplementationOnce(async () => ({ ...record('new'), model: 'fast' }));
    await gateway.join(socket.asSocket(), ALICE, { model: 'fast' }, ack);
    expect(sessions.create).toHaveBeenCalledWith(ALICE, 'fast');
    expect(ack).toHaveBeenCalledWith({
      session_id: 'new',
      status: SessionStatus.IDLE,
      title: null,
      disabled_tools: [],
      model: 'fast',
      messages: [],
      next_before: null,
      running_turn: null,
      queued_turns: [],
    });
    expect(calls).toEqual(['ack', 'follow']);
    expect(feeds.follow).toHaveBeenCalledWith(socket, 'new', undefined, undefined);
  });

  it('should join an existing session with its history, and replay the running turn the ack named', async () => {
    const ack = jest.fn();
    await gateway.join(socket.asSocket(), ALICE, { session_id: 's1', last_event_id: 4 }, ack);
    expect(sessions.detail).toHaveBeenCalledWith(ALICE, 's1', PAGE_DEFAULT_LIMIT);
    expect(ack).toHaveBeenCalledWith(
      expect.objectContaining({
        session_id: 's1',
        status: 'PROCESSING',
        title: 'Hi',
        running_turn: { turn_id: 't1', content: 'hi' },
      }),
    );
    expect(feeds.follow).toHaveBeenCalledWith(socket, 's1', 4, 't1');
  });

  it('should refuse a join past SOCKET_MAX_SESSIONS before creating anything', async () => {
    stateOf(socket.asSocket())
      .subscriptions.set('a', {} as never)
      .set('b', {} as never);
    await expect(gateway.join(socket.asSocket(), ALICE, {}, jest.fn())).rejects.toMatchObject({
      code: ErrorCode.TOO_MANY_STREAMS,
    });
    expect(sessions.create).not.toHaveBeenCalled();
    // A session it follows already can be joined again.
    await gateway.join(socket.asSocket(), ALICE, { session_id: 'a' }, jest.fn());
    expect(sessions.detail).toHaveBeenCalled();
  });

  it('should count a message against the rate limit, follow its session, then send it', async () => {
    expect(await gateway.message(socket.asSocket(), ALICE, { session_id: 's1', content: 'hello' })).toEqual({
      session_id: 's1',
      turn_id: 't2',
    });
    expect(calls).toEqual(['consume', 'follow', 'send']);
    expect(connections.consumeMessage).toHaveBeenCalledWith(ALICE, '10.0.0.7', 'socketio');
    expect(sessions.send).toHaveBeenCalledWith(ALICE, 's1', 'hello', {});
  });

  it('should refuse a message past MAX_MESSAGE_CHARS before it counts or is sent', async () => {
    await expect(
      gateway.message(socket.asSocket(), ALICE, { session_id: 's1', content: 'far too long' }),
    ).rejects.toMatchObject({
      code: ErrorCode.VALIDATION_FAILED,
      message: expect.stringContaining('MAX_MESSAGE_CHARS'),
    });
    expect(calls).toEqual([]);
  });

  it('should hand the answers of approvals and elicitations to the sessions, and ack what was answered', async () => {
    expect(
      await gateway.approvalResponse(ALICE, { session_id: 's1', approval_id: 'a1', approved: false, reason: 'no' }),
    ).toEqual({ session_id: 's1', approval_id: 'a1', approved: false });
    expect(sessions.answerApproval).toHaveBeenCalledWith(ALICE, 's1', 'a1', { approved: false, reason: 'no' });
    expect(
      await gateway.elicitationResponse(ALICE, { session_id: 's1', elicitation_id: 'e1', action: 'decline' }),
    ).toEqual({ session_id: 's1', elicitation_id: 'e1', action: 'decline' });
  });

  it('should leave a session, cancel its turn, and stop every stream when the socket goes', async () => {
    expect(gateway.leave(socket.asSocket(), { session_id: 's1' })).toEqual({ session_id: 's1', left: true });
    expect(await gateway.cancel(ALICE, { session_id: 's1' })).toEqual({ session_id: 's1', cancelled: true });
    gateway.handleDisconnect(socket.asSocket());
    expect(feeds.leaveAll).toHaveBeenCalledWith(socket);
  });

  it('should ack an unknown event with UNKNOWN_EVENT naming the events it takes, and leave known ones to their handlers', () => {
    const ack = jest.fn();
    socket.receive('join_chats', {}, ack);
    expect(ack).toHaveBeenCalledWith({
      error: {
        code: 'UNKNOWN_EVENT',
        message:
          'Unknown event "join_chats"; this server takes join_chat, chat_message, leave_chat, cancel, elicitation_response, approval_response',
      },
    });
    const known = jest.fn();
    socket.receive('join_chat', {}, known);
    socket.receive('no_ack_wanted', {});
    expect(known).not.toHaveBeenCalled();
  });

  it('should disconnect a socket when the token it connected with expires', () => {
    jest.useFakeTimers();
    try {
      const expiring = connected({ ...ALICE, expiresAt: Date.now() + 1000 });
      jest.advanceTimersByTime(1000);
      expect(expiring.disconnected).toBe(true);
    } finally {
      jest.useRealTimers();
    }
  });
});
