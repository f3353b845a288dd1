import { Subject } from 'rxjs';

import { SendBacklog } from './send-backlog';
import { cutOffWhenStalled, stalledReason, watchForStall } from './stall-watch';

describe(cutOffWhenStalled.name, () => {
  let pending: number;
  let cuts: number;

  beforeEach(() => {
    jest.useFakeTimers();
    pending = 1000;
    cuts = 0;
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  const watch = () =>
    cutOffWhenStalled(
      () => pending,
      5000,
      () => cuts++,
    );

  it('should cut off a connection whose pending bytes do not go down for the grace', () => {
    watch();
    jest.advanceTimersByTime(4000);
    expect(cuts).toBe(0);
    jest.advanceTimersByTime(1000);
    expect(cuts).toBe(1);
    jest.advanceTimersByTime(20_000);
    expect(cuts).toBe(1);
  });

  it('should let a slow reader go on for as long as it makes progress', () => {
    watch();
    for (let i = 0; i < 30; i++) {
      jest.advanceTimersByTime(4000);
      pending -= 10;
    }
    expect(cuts).toBe(0);
    // The last progress is seen at the next check; the grace runs from there.
    jest.advanceTimersByTime(5000);
    expect(cuts).toBe(0);
    jest.advanceTimersByTime(1000);
    expect(cuts).toBe(1);
  });

  it('should stop watching once nothing is pending, or when told to', () => {
    watch();
    pending = 0;
    jest.advanceTimersByTime(1000);
    pending = 5;
    jest.advanceTimersByTime(60_000);
    expect(cuts).toBe(0);

    const stop = watch();
    stop();
    jest.advanceTimersByTime(60_000);
    expect(cuts).toBe(0);
  });
});

describe(watchForStall.name, () => {
  const STALL_MS = 1000;
  let ticks: Subject<number>;
  let backlog: SendBacklog;
  let stalls: number[];

  beforeEach(() => {
    ticks = new Subject<number>();
    backlog = new SendBacklog();
    stalls = [];
    watchForStall(backlog, ticks, STALL_MS, (bytes) => stalls.push(bytes));
  });

  const hand = (bytes: number) => {
    backlog.add(bytes);
    backlog.taken();
  };

  it('should drop a connection holding unsent bytes with no write for STREAM_STALL_MS, with no event needed, once', () => {
    hand(500);
    ticks.next(0);
    ticks.next(999);
    expect(stalls).toEqual([]);
    ticks.next(1000);
    ticks.next(5000);
    expect(stalls).toEqual([500]);
  });

  it('should spare a slow reader: any write is progress, and an empty backlog is no stall', () => {
    ticks.next(0);
    ticks.next(5000);
    hand(500);
    ticks.next(6000);
    backlog.written(100);
    hand(300);
    ticks.next(6900);
    ticks.next(7800);
    backlog.written();
    ticks.next(9000);
    ticks.next(20_000);
    expect(stalls).toEqual([]);
  });

  it('should name the bound and the way back in its reason', () => {
    expect(stalledReason(2048, 60_000)).toBe(
      'STREAM_BUFFER_EXCEEDED: 2048 bytes unsent with no progress for 60000 ms (STREAM_STALL_MS); resume from the last event id',
    );
  });
});
