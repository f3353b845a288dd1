import { join } from 'node:path';

import type { TokenUsage } from '../contract/events';
import { RedisScript, storeCall } from '../redis/redis-script';
import type { RedisService } from '../redis/redis.service';
import type { FoldedUsage } from '../session-store/session-store';
import { endOfDay, UsageStore } from './usage-store';
import type { UsageRow } from './usage-store';

// The fields of a model's counts in a principal's day hash: `<model>:<suffix>`.
const INPUT = ':i';
const OUTPUT = ':o';
const TURNS = ':n';

/**
 * Usage on Redis: a HASH per principal and UTC day (its hash tag is the principal, so every day of
 * one principal lives on one cluster master), fields `<model>:i`, `<model>:o`, `<model>:n`, each
 * turn added by one script (lua/record-usage.lua: three HINCRBY), and a SET per day of the
 * principals who used any, for administrators' listings.
 */
export class RedisUsageStore extends UsageStore {
  private readonly script: RedisScript<number>;
  // The principals this node named in each day's index already: named once a day, not per turn.
  private indexed = { day: '', principals: new Set<string>() };

  constructor(
    private readonly redis: RedisService,
    private readonly retentionMs: number,
  ) {
    super();
    this.script = RedisScript.loader(redis.commands, join(__dirname, 'lua'))<number>('record-usage.lua', 1);
  }

  async record(principal: string, model: string, day: string, usage: TokenUsage): Promise<void> {
    const key = this.redis.keys.usage(principal, day);
    await Promise.all([
      this.script.run([key], [model, usage.input_tokens, usage.output_tokens, this.expiryOf(day)]),
      this.index(principal, day),
    ]);
  }

  /** One Redis: the turn's end adds the tokens in its own script (the keys allow); a cluster: recorded first. */
  override async forTurnEnd(
    principal: string,
    model: string,
    day: string,
    usage: TokenUsage,
  ): Promise<FoldedUsage | undefined> {
    if (this.redis.cluster) {
      return super.forTurnEnd(principal, model, day, usage);
    }
    await this.index(principal, day);
    const { input_tokens, output_tokens } = usage;
    return {
      key: this.redis.keys.usage(principal, day),
      model,
      input_tokens,
      output_tokens,
      expireAt: this.expiryOf(day),
    };
  }

  /** Names the principal in the day's index (administrators' listings), once a day per node. */
  private async index(principal: string, day: string): Promise<void> {
    if (this.indexed.day !== day) {
      this.indexed = { day, principals: new Set() };
    }
    if (this.indexed.principals.has(principal)) {
      return;
    }
    const index = this.redis.keys.usagePrincipals(day);
    await storeCall(this.redis.commands.multi().sadd(index, principal).pexpireat(index, this.expiryOf(day)).exec());
    this.indexed.principals.add(principal);
  }

  private expiryOf(day: string): number {
    return endOfDay(day) + this.retentionMs;
  }

  async usedOn(principal: string, day: string): Promise<number> {
    const fields = await storeCall(this.redis.commands.hgetall(this.redis.keys.usage(principal, day)));
    return Object.entries(fields)
      .filter(([field]) => field.endsWith(INPUT) || field.endsWith(OUTPUT))
      .reduce((sum, [, value]) => sum + Number(value), 0);
  }

  async rows(days: readonly string[], principal?: string): Promise<UsageRow[]> {
    const pairs =
      principal !== undefined
        ? days.map((day) => ({ principal, day }))
        : (
            await Promise.all(
              days.map(async (day) =>
                (await storeCall(this.redis.commands.smembers(this.redis.keys.usagePrincipals(day)))).map((who) => ({
                  principal: who,
                  day,
                })),
              ),
            )
          ).flat();
    const hashes = await Promise.all(
      pairs.map((pair) => storeCall(this.redis.commands.hgetall(this.redis.keys.usage(pair.principal, pair.day)))),
    );
    return pairs.flatMap((pair, i) => rowsOf(pair.principal, pair.day, hashes[i]));
  }
}

/** A day hash's fields as one row per model. */
function rowsOf(principal: string, day: string, fields: Record<string, string>): UsageRow[] {
  const models = Object.keys(fields)
    .filter((field) => field.endsWith(TURNS))
    .map((field) => field.slice(0, -TURNS.length));
  return models.map((model) => {
    const input = Number(fields[`${model}${INPUT}`] ?? 0);
    const output = Number(fields[`${model}${OUTPUT}`] ?? 0);
    return {
      principal,
      day,
      model,
      input_tokens: input,
      output_tokens: output,
      total_tokens: input + output,
      turns: Number(fields[`${model}${TURNS}`]),
    };
  });
}
