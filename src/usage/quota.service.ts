import { Injectable } from '@nestjs/common';

import { AppException } from '../common/errors';
import { InjectAppConfig } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { parseQuotaOverrides } from '../config/usage.settings';
import { ErrorCode } from '../contract/error-code';
import { endOfDay, UsageStore, utcDay } from './usage-store';

export interface QuotaView {
  /** Input plus output tokens a day; null: no quota. */
  tokens_per_day: number | null;
  used_today: number;
  /** The next UTC midnight (ISO 8601), when the count starts again. */
  resets_at: string;
}

/**
 * Daily token quotas per principal (QUOTA_TOKENS_PER_DAY, QUOTA_OVERRIDES): a message from a
 * principal at or over its quota is refused before anything runs, and so is a queued turn that
 * would start over it; a turn under way finishes. The count is the usage store's, shared by all nodes.
 */
@Injectable()
export class QuotaService {
  private readonly overrides: Map<string, number>;

  constructor(
    private readonly usage: UsageStore,
    @InjectAppConfig() private readonly config: AppConfig,
  ) {
    this.overrides = parseQuotaOverrides(config.QUOTA_OVERRIDES);
  }

  /** The principal's tokens per day; undefined: unlimited. */
  limitOf(principal: string): number | undefined {
    const limit = this.overrides.get(principal) ?? this.config.QUOTA_TOKENS_PER_DAY;
    return limit > 0 ? limit : undefined;
  }

  /** Whether any principal has a quota: without, nothing is read per message. */
  get enabled(): boolean {
    return this.config.QUOTA_TOKENS_PER_DAY > 0 || [...this.overrides.values()].some((limit) => limit > 0);
  }

  /** QUOTA_EXCEEDED, with the reset time and the seconds to it, when the principal used its quota today. */
  async assertUnder(principal: string, at = Date.now()): Promise<void> {
    const limit = this.limitOf(principal);
    if (limit === undefined) {
      return;
    }
    const day = utcDay(at);
    const used = await this.usage.usedOn(principal, day);
    if (used >= limit) {
      const resets = endOfDay(day);
      throw new AppException(
        ErrorCode.QUOTA_EXCEEDED,
        `You used ${used} of your ${limit} tokens today (QUOTA_TOKENS_PER_DAY); the quota resets at ${new Date(resets).toISOString()}`,
        Math.max(1, Math.ceil((resets - at) / 1000)),
      );
    }
  }

  async view(principal: string, at = Date.now()): Promise<QuotaView> {
    const day = utcDay(at);
    return {
      tokens_per_day: this.limitOf(principal) ?? null,
      used_today: await this.usage.usedOn(principal, day),
      resets_at: new Date(endOfDay(day)).toISOString(),
    };
  }
}
