import type { Logger } from '@nestjs/common';
import type { SchedulerRegistry } from '@nestjs/schedule';

/**
 * A scheduler's interval jobs, registered in Nest's SchedulerRegistry (so they stop with the app). A
 * failing job is logged once until it succeeds again: Redis may be away for a while, and a line per
 * tick would say nothing new.
 */
export class IntervalJobs {
  private readonly failing = new Set<string>();

  constructor(
    private readonly registry: SchedulerRegistry,
    private readonly logger: Logger,
  ) {}

  every(name: string, ms: number, job: () => Promise<void>): void {
    this.registry.addInterval(
      name,
      setInterval(() => void job(), ms),
    );
  }

  /** Runs the job once; a failure is logged (once while it lasts), never thrown. */
  async run(name: string, job: () => Promise<unknown>): Promise<void> {
    try {
      await job();
      if (this.failing.delete(name)) {
        this.logger.log(`Job ${name} works again`);
      }
    } catch (error) {
      if (!this.failing.has(name)) {
        this.failing.add(name);
        this.logger.error(`Job ${name} failed: ${(error as Error).message}`, (error as Error).stack);
      }
    }
  }
}
