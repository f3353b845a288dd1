import { SendBacklog } from './send-backlog';

describe(SendBacklog.name, () => {
  let backlog: SendBacklog;

  beforeEach(() => {
    backlog = new SendBacklog();
  });

  it('should count bytes handed over until the transport has written them', () => {
    backlog.add(30);
    backlog.add(20);
    expect(backlog.bytes).toBe(50);
    backlog.taken();
    backlog.add(10);
    expect(backlog.bytes).toBe(60);
    backlog.written(30);
    expect(backlog.bytes).toBe(30);
    // Written without a count: the whole batch the transport took, not what was handed over since.
    backlog.written();
    expect(backlog.bytes).toBe(10);
    backlog.taken();
    backlog.written(10);
    expect(backlog.bytes).toBe(0);
  });

  it('should never count below zero when a transport reports more than it took', () => {
    backlog.add(10);
    backlog.taken();
    backlog.written(25);
    expect(backlog.bytes).toBe(0);
  });

  it('should tell its listeners each time something was written, until they stop listening', () => {
    const heard: number[] = [];
    const stop = backlog.onDrain(() => heard.push(backlog.bytes));
    backlog.add(10);
    backlog.taken();
    backlog.written(4);
    stop();
    backlog.written(6);
    expect(heard).toEqual([6]);
  });
});
