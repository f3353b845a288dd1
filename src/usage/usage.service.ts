import { Injectable, Logger } from '@nestjs/common';

import type { Principal } from '../auth/principal';
import { AppException } from '../common/errors';
import { decodeCursor, encodeCursor } from '../common/page';
import { ErrorCode } from '../contract/error-code';
import type { TokenUsage } from '../contract/events';
import type { FoldedUsage } from '../session-store/session-store';
import { QuotaService } from './quota.service';
import type { QuotaView } from './quota.service';
import { UsageStore, utcDay } from './usage-store';
import type { UsageCounts, UsageRow } from './usage-store';

export type UsageGroupKey = 'principal' | 'day' | 'model';
export const USAGE_GROUP_KEYS: readonly UsageGroupKey[] = ['principal', 'day', 'model'];

// Days a report covers when not asked, and the most it may.
const DEFAULT_DAYS = 30;
export const MAX_DAYS = 366;
const DAY_MS = 86_400_000;

export interface UsageQuery {
  from?: string;
  to?: string;
  group_by: readonly UsageGroupKey[];
  all: boolean;
  limit: number;
  cursor?: string;
}

export type UsageGroup = Partial<Record<UsageGroupKey, string>> & UsageCounts;

export interface UsageReport {
  principal: string;
  from: string;
  to: string;
  total: UsageCounts;
  groups: UsageGroup[];
  quota: QuotaView;
  next_cursor: string | null;
}

const isKey = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((part) => typeof part === 'string');

/** Records each turn's tokens and answers what a principal (or, for administrators, everyone) spent. */
@Injectable()
export class UsageService {
  private readonly logger = new Logger(UsageService.name);

  constructor(
    private readonly store: UsageStore,
    private readonly quotas: QuotaService,
  ) {}

  /**
   * Counts a turn's tokens for its owner, model and UTC day, before the turn's end is recorded (and
   * its final_response or error sent): stored now, or returned for the turn's end to add in its step.
   */
  async beforeTurnEnd(owner: string, model: string, usage: TokenUsage, at: number): Promise<FoldedUsage | undefined> {
    try {
      return await this.store.forTurnEnd(owner, model, utcDay(at), usage);
    } catch (error) {
      // The turn still ends; its tokens are missing from the report, which the log says.
      this.logger.error({
        msg: `Usage of a turn of ${owner} on ${model} was not recorded: ${(error as Error).message}`,
        model,
      });
      return undefined;
    }
  }

  async report(principal: Principal, query: UsageQuery): Promise<UsageReport> {
    if (query.all && !principal.admin) {
      throw new AppException(ErrorCode.FORBIDDEN, 'all=true is for administrators');
    }
    const { from, to, days } = this.range(query.from, query.to);
    // Everyone's usage is told apart by principal; one's own needs no such key unless asked.
    const keys = USAGE_GROUP_KEYS.filter((key) => query.group_by.includes(key) || (key === 'principal' && query.all));
    const rows = await this.store.rows(days, query.all ? undefined : principal.id);
    const groups = grouped(rows, keys);
    const after = query.cursor ? decodeCursor(query.cursor, isKey) : undefined;
    const rest = after ? groups.filter((group) => compareKeys(keyOf(group, keys), after) > 0) : groups;
    const page = rest.slice(0, query.limit);
    return {
      principal: principal.id,
      from,
      to,
      total: rows.reduce(add, zero()),
      groups: page,
      quota: await this.quotas.view(principal.id),
      next_cursor: rest.length > query.limit ? encodeCursor(keyOf(page.at(-1)!, keys)) : null,
    };
  }

  /** The days from `from` to `to` (default: the 30 days to today), VALIDATION_FAILED past 366 or reversed. */
  private range(fromDay?: string, toDay?: string): { from: string; to: string; days: string[] } {
    const to = toDay ?? utcDay(Date.now());
    const toAt = parseDay('to', to);
    const from = fromDay ?? utcDay(toAt - (DEFAULT_DAYS - 1) * DAY_MS);
    const fromAt = parseDay('from', from);
    const count = (toAt - fromAt) / DAY_MS + 1;
    if (count < 1) {
      throw new AppException(ErrorCode.VALIDATION_FAILED, `from (${from}) is after to (${to})`);
    }
    if (count > MAX_DAYS) {
      throw new AppException(
        ErrorCode.VALIDATION_FAILED,
        `from ${from} to ${to} is ${count} days; at most ${MAX_DAYS}`,
      );
    }
    return { from, to, days: Array.from({ length: count }, (_, i) => utcDay(fromAt + i * DAY_MS)) };
  }
}

function parseDay(name: string, day: string): number {
  const at = Date.parse(`${day}T00:00:00.000Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(at) || utcDay(at) !== day) {
    throw new AppException(ErrorCode.VALIDATION_FAILED, `${name} must be a UTC date YYYY-MM-DD, not "${day}"`);
  }
  return at;
}

const zero = (): UsageCounts => ({ input_tokens: 0, output_tokens: 0, total_tokens: 0, turns: 0 });

function add(sum: UsageCounts, row: UsageCounts): UsageCounts {
  sum.input_tokens += row.input_tokens;
  sum.output_tokens += row.output_tokens;
  sum.total_tokens += row.total_tokens;
  sum.turns += row.turns;
  return sum;
}

const keyOf = (group: UsageGroup, keys: readonly UsageGroupKey[]): string[] => keys.map((key) => group[key] ?? '');

function compareKeys(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) {
      return a[i] < b[i] ? -1 : 1;
    }
  }
  return 0;
}

/** Rows summed per distinct value of the keys, sorted by them (principal, day, model). */
function grouped(rows: readonly UsageRow[], keys: readonly UsageGroupKey[]): UsageGroup[] {
  const groups = new Map<string, UsageGroup>();
  for (const row of rows) {
    const id = JSON.stringify(keys.map((key) => row[key]));
    const group = groups.get(id) ?? { ...Object.fromEntries(keys.map((key) => [key, row[key]])), ...zero() };
    groups.set(id, add(group, row) as UsageGroup);
  }
  return [...groups.values()].sort((a, b) => compareKeys(keyOf(a, keys), keyOf(b, keys)));
}
