import { EventOutbox } from './event-outbox';
import { SendBacklog } from './send-backlog';

/** A connection whose socket takes what it is given and writes it out only when told to. */
class FakeSocket {
  readonly backlog = new SendBacklog();
  readonly written: string[] = [];

  take(item: string): void {
    this.written.push(item);
    this.backlog.add(item.length);
    this.backlog.taken();
  }

  /** The client read everything: the socket has written it all out. */
  drain(): void {
    this.backlog.written();
  }
}

describe(EventOutbox.name, () => {
  let socket: FakeSocket;
  let overflows: number[];
  let outbox: EventOutbox<string>;

  beforeEach(() => {
    socket = new FakeSocket();
    overflows = [];
    outbox = new EventOutbox(
      socket.backlog,
      100,
      (item) => socket.take(item),
      (item) => item.length,
      (bytes) => overflows.push(bytes),
    );
  });

  const event = (name: string, bytes: number) => name.padEnd(bytes, '.');

  it('should write live events at once while the client keeps up', () => {
    outbox.start([]);
    outbox.push(event('a', 20));
    socket.drain();
    outbox.push(event('b', 20));
    expect(socket.written.map((item) => item[0])).toEqual(['a', 'b']);
    expect(outbox.waitingBytes).toBe(0);
  });

  it('should write a replay far larger than the bound at the pace the socket drains, live events after it', () => {
    const replay = Array.from({ length: 30 }, (_, i) => event(`r${i}:`, 20));
    outbox.start(replay);
    // Half the bound at most goes to the socket before the client reads it.
    expect(socket.written).toHaveLength(3);
    outbox.push(event('live', 20));
    for (let i = 0; i < 20 && socket.written.length < 31; i++) {
      socket.drain();
    }
    expect(socket.written).toEqual([...replay, event('live', 20)]);
    expect(overflows).toEqual([]);
  });

  it('should drop a client whose waiting events and socket backlog pass the bound, and hold nothing after', () => {
    outbox.start([]);
    outbox.push(event('a', 60));
    // The socket holds 60 (more than half the bound): the next ones wait here.
    outbox.push(event('b', 20));
    expect(outbox.waitingBytes).toBe(20);
    expect(overflows).toEqual([]);
    outbox.push(event('c', 30));
    expect(overflows).toEqual([110]);
    expect(outbox.waitingBytes).toBe(0);
    outbox.push(event('d', 1));
    socket.drain();
    expect(socket.written.map((item) => item[0])).toEqual(['a']);
  });

  it('should let one event larger than the bound through to a client that keeps up', () => {
    outbox.start([]);
    outbox.push(event('big', 500));
    expect(socket.written).toHaveLength(1);
    expect(overflows).toEqual([]);
  });

  it('should keep the order of the replay, then the queue, whatever the pace', () => {
    outbox.start([event('r1', 30), event('r2', 30), event('r3', 30)]);
    outbox.push(event('l1', 20));
    outbox.push(event('l2', 10));
    expect(socket.written.map((item) => item.slice(0, 2))).toEqual(['r1', 'r2']);
    socket.drain();
    socket.drain();
    expect(socket.written.map((item) => item.slice(0, 2))).toEqual(['r1', 'r2', 'r3', 'l1', 'l2']);
    expect(overflows).toEqual([]);
  });

  it('should run what comes after the end only once everything before it was handed over', () => {
    const ended: number[] = [];
    outbox.start([event('r1', 40), event('r2', 40), event('r3', 40)]);
    outbox.finish(() => ended.push(socket.written.length));
    expect(ended).toEqual([]);
    socket.drain();
    expect(ended).toEqual([3]);
    socket.drain();
    expect(ended).toEqual([3]);
  });
});
