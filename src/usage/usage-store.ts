import type { TokenUsage } from '../contract/events';
import type { FoldedUsage } from '../session-store/session-store';

/** Tokens counted for one principal, model and UTC day (total_tokens is input plus output). */
export interface UsageCounts {
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  turns: number;
}

export interface UsageRow extends UsageCounts {
  principal: string;
  /** UTC date, YYYY-MM-DD. */
  day: string;
  /** The model id that answered. */
  model: string;
}

/**
 * Where each turn's tokens are counted, per principal (the session's owner), model id and UTC day:
 * memory or Redis, shared by every node, kept USAGE_RETENTION_DAYS. One contract spec runs on each.
 */
export abstract class UsageStore {
  /** Adds one turn's tokens, atomically (no increment lost between nodes); resolves once stored. */
  abstract record(principal: string, model: string, day: string, usage: TokenUsage): Promise<void>;

  /**
   * A turn's tokens, as its end is about to be recorded: stored now, or (one Redis) handed back to be
   * added in the same step as the turn's end. Either way stored before the turn's last events go out.
   */
  async forTurnEnd(principal: string, model: string, day: string, usage: TokenUsage): Promise<FoldedUsage | undefined> {
    await this.record(principal, model, day, usage);
    return undefined;
  }

  /** Input plus output tokens the principal used on that UTC day, all models together. */
  abstract usedOn(principal: string, day: string): Promise<number>;

  /** Every row of the principal (or, unset, of everyone) on these days, in no particular order. */
  abstract rows(days: readonly string[], principal?: string): Promise<UsageRow[]>;
}

/** The UTC date of an instant, YYYY-MM-DD. */
export const utcDay = (at: number): string => new Date(at).toISOString().slice(0, 10);

/** Epoch ms of the UTC midnight that ends this day. */
export const endOfDay = (day: string): number => Date.parse(`${day}T00:00:00.000Z`) + 86_400_000;
