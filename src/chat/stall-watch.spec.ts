import { cutOffWhenStalled } from './stall-watch';

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
