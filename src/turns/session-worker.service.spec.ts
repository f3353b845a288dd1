import { FakeMcp, FakeTurnRunner, fakeBridge, RecordingBus } from '../../test/fakes/fake-turns';
import { storedRecord } from '../../test/helpers/session-store-backends';
import { validateEnvironment } from '../config/validate-environment';
import type { StreamEvent } from '../contract/events';
import type { SessionRecord } from '../contract/session-record';
import { MetricsRegistry } from '../metrics/metrics-registry';
import { MemorySessionEventLog } from '../session-store/event-log/memory-session-event-log';
import { MemorySessionStore } from '../session-store/memory-session.store';
import type { QueuedTurn } from '../session-store/session-store';
import { SessionEventPublisher } from './session-event-publisher';
import { SessionLeaseKeeper } from './session-lease-keeper';
import { SessionWorker } from './session-worker.service';
import { TurnMetrics } from './turns.metrics';

const NODE = 'node-a';
const OTHER = 'node-b';

const record = (id: string): SessionRecord => storedRecord(id, Date.now());

const turn = (content: string): QueuedTurn => ({ turn_id: `t-${content}`, content });

describe(SessionWorker.name, () => {
  let store: MemorySessionStore;
  let events: MemorySessionEventLog;
  let runner: FakeTurnRunner;
  let mcp: FakeMcp;
  let bus: RecordingBus;
  let worker: SessionWorker;
  let leases: SessionLeaseKeeper;

  /** Queues a message as SessionsService does, and hands it to the worker. */
  const send = async (sessionId: string, content: string) => {
    const admission = await store.enqueue(
      sessionId,
      'alice',
      turn(content),
      10,
      Date.now(),
      worker.senderFor(sessionId),
    );
    if (admission.admitted && admission.started) {
      worker.runStarted(sessionId, admission.started);
    } else if (admission.admitted) {
      await worker.dispatch(sessionId, admission.holder);
    }
    return admission;
  };

  const eventsOf = (sessionId: string): Promise<StreamEvent[]> => events.replay(sessionId, 0);

  beforeEach(async () => {
    events = new MemorySessionEventLog(100);
    store = new MemorySessionStore(events);
    runner = new FakeTurnRunner(store);
    mcp = new FakeMcp();
    bus = new RecordingBus();
    const config = validateEnvironment({ NODE_ID: NODE });
    worker = new SessionWorker(
      store,
      events,
      new SessionEventPublisher(events, store, config),
      runner.asRunner(),
      mcp.asService(),
      fakeBridge(),
      bus,
      new TurnMetrics(new MetricsRegistry()),
      config,
    );
    leases = new SessionLeaseKeeper(worker, store, config);
    await store.create(record('s1'), { total: 10 });
  });

  it('should hold a session created here, with its MCP clients made but nothing started', async () => {
    await worker.hold('s1');
    expect(worker.holding('s1')).toMatchObject({ id: 's1', owner: 'alice' });
    expect(mcp.sessions).toEqual(['s1']);
    expect(worker.stats()).toEqual({ held: 1, processing: 0, with_mcp_clients: 0 });
  });

  it('should run a message at once when the session is idle here, then what queued behind it, in order', async () => {
    await worker.hold('s1');
    expect(await send('s1', 'first')).toMatchObject({ admitted: true, started: { turn: { content: 'first' } } });
    const first = await runner.next();
    await send('s1', 'second');
    await send('s1', 'third');
    expect(worker.stats().processing).toBe(1);

    first.end();
    (await runner.next()).end();
    (await runner.next()).end();
    await worker.holding('s1')?.draining;
    expect(runner.ran).toEqual(['first', 'second', 'third']);
  });

  it('should tell the node that holds a session to run its queue', async () => {
    await store.claim('s1', OTHER, false);
    await worker.dispatch('s1', OTHER);
    expect(bus.sent).toEqual([{ node: OTHER, signal: { kind: 'run', session_id: 's1' } }]);
    expect(worker.holding('s1')).toBeUndefined();
  });

  it('should take a session nobody holds when a message comes for it, and run it', async () => {
    runner.instant = true;
    await send('s1', 'hello');
    await worker.holding('s1')?.draining;
    expect(runner.ran).toEqual(['hello']);
    expect(worker.holding('s1')).toBeDefined();
  });

  it('should end a session once: an error for its running and queued turns, then session_end, and its clients released', async () => {
    await worker.hold('s1');
    await send('s1', 'running');
    const running = await runner.next();
    await send('s1', 'queued');

    expect(await worker.end('s1', 'deleted')).toBe(true);
    expect(running.runtime.running?.controller.signal.aborted).toBe(true);
    expect(mcp.released).toEqual(['s1']);
    expect(worker.holding('s1')).toBeUndefined();
    expect(await worker.end('s1', 'deleted')).toBe(false);
    running.end('failed');
  });

  it('should publish the end of a session it ends to the session log', async () => {
    await worker.hold('s1');
    await send('s1', 'running');
    const running = await runner.next();
    const seen: StreamEvent[] = [];
    await events.subscribe('s1', (event) => seen.push(event));
    await worker.end('s1', 'expired');
    expect(seen.map((event) => [event.type, event.turn_id])).toEqual([
      ['error', 't-running'],
      ['session_end', null],
    ]);
    running.end('failed');
  });

  it('should let go of a session whose lease another node took, and keep the others', async () => {
    await store.create(record('s2'), { total: 10 });
    await worker.hold('s1');
    await worker.hold('s2');
    await store.release('s1', NODE, false);
    await store.claim('s1', OTHER, false);

    await leases.renew();
    expect(worker.holding('s1')).toBeUndefined();
    expect(worker.holding('s2')).toBeDefined();
    expect(mcp.released).toEqual(['s1']);
  });

  it('should run messages whose wake-up never came, after its heartbeat lapsed and when its channel is back', async () => {
    await store.create(record('s2'), { total: 10 });
    await worker.hold('s1');
    await worker.hold('s2');
    runner.instant = true;
    await leases.renew();
    // Queued through another node while this one's heartbeat lapsed: nothing told it.
    const elsewhere = { node: OTHER, idle: false, historyLimit: 10 };
    await store.enqueue('s1', 'alice', turn('lost wake-up'), 10, Date.now(), elsewhere);
    await leases.renew();
    expect(runner.ran).toEqual([]);
    await store.leave(NODE);

    await leases.renew();
    await worker.holding('s1')?.draining;
    expect(runner.ran).toEqual(['lost wake-up']);

    await store.enqueue('s2', 'alice', turn('sent while away'), 10, Date.now(), elsewhere);
    worker.runWaiting();
    await worker.holding('s2')?.draining;
    expect(runner.ran).toEqual(['lost wake-up', 'sent while away']);
  });

  it('should keep a session the idle sweep would end once a message has come for it', async () => {
    await worker.hold('s1');
    const cutoff = Date.now();
    await send('s1', 'just in time');
    const running = await runner.next();
    expect(await worker.end('s1', 'expired', cutoff)).toBe(false);
    expect(worker.holding('s1')).toBeDefined();
    running.end();
    await worker.holding('s1')?.draining;
    expect(runner.ran).toEqual(['just in time']);
  });

  it('should take over a session with work whose holder let go, reporting its running turn interrupted', async () => {
    await store.claim('s1', OTHER, false);
    await store.enqueue('s1', 'alice', turn('left running'), 10, Date.now(), {
      node: OTHER,
      idle: false,
      historyLimit: 10,
    });
    await store.startNext('s1', OTHER, 10);
    // The other node is gone (it left; a lapsed heartbeat is the same to the store).
    await store.leave(OTHER);
    runner.instant = true;

    await leases.adopt();
    expect(worker.holding('s1')).toBeDefined();
    const published = await eventsOf('s1');
    expect(published.find((event) => event.type === 'error')).toMatchObject({
      turn_id: 't-left running',
      data: { code: 'TURN_INTERRUPTED', session_usable: true },
    });
    expect((await store.messages('s1', 10))?.messages).toEqual([
      { role: 'user', content: 'left running', incomplete: 'interrupted' },
    ]);
  });

  it('should let go of a session whose turn found it lost', async () => {
    await worker.hold('s1');
    await send('s1', 'doomed');
    (await runner.next()).end('lost');
    await worker.holding('s1')?.draining;
    expect(worker.holding('s1')).toBeUndefined();
    expect(mcp.released).toEqual(['s1']);
  });

  it('should start nothing new once stopping, and hand back what it holds', async () => {
    await worker.hold('s1');
    expect(worker.stop().map((runtime) => runtime.id)).toEqual(['s1']);
    await send('s1', 'too late');
    expect(runner.ran).toEqual([]);
  });
});
