import type { TokenUsage } from '../contract/events';
import { endOfDay, UsageStore } from './usage-store';
import type { UsageCounts, UsageRow } from './usage-store';

/** Usage in this process (SESSION_STORE=memory): gone with it, pruned past its retention as it grows. */
export class MemoryUsageStore extends UsageStore {
  // day → principal → model → counts.
  private readonly days = new Map<string, Map<string, Map<string, UsageCounts>>>();

  constructor(private readonly retentionMs: number) {
    super();
  }

  async record(principal: string, model: string, day: string, usage: TokenUsage): Promise<void> {
    this.prune(Date.now());
    const principals = this.days.get(day) ?? new Map<string, Map<string, UsageCounts>>();
    this.days.set(day, principals);
    const models = principals.get(principal) ?? new Map<string, UsageCounts>();
    principals.set(principal, models);
    const counts = models.get(model) ?? { input_tokens: 0, output_tokens: 0, total_tokens: 0, turns: 0 };
    counts.input_tokens += usage.input_tokens;
    counts.output_tokens += usage.output_tokens;
    counts.total_tokens += usage.input_tokens + usage.output_tokens;
    counts.turns += 1;
    models.set(model, counts);
  }

  async usedOn(principal: string, day: string): Promise<number> {
    const models = this.days.get(day)?.get(principal);
    return [...(models?.values() ?? [])].reduce((sum, counts) => sum + counts.total_tokens, 0);
  }

  async rows(days: readonly string[], principal?: string): Promise<UsageRow[]> {
    return days.flatMap((day) =>
      [...(this.days.get(day) ?? new Map<string, Map<string, UsageCounts>>())]
        .filter(([who]) => principal === undefined || who === principal)
        .flatMap(([who, models]) => [...models].map(([model, counts]) => ({ principal: who, day, model, ...counts }))),
    );
  }

  /** Drops the days past their retention. */
  private prune(now: number): void {
    for (const day of this.days.keys()) {
      if (endOfDay(day) + this.retentionMs < now) {
        this.days.delete(day);
      }
    }
  }
}
