import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';

/** Token usage and quotas. */
export class UsageSettings {
  /** How long each day's usage is kept (GET /api/v3/usage reaches back at most 366 days). */
  @IsInt()
  @Min(1)
  @Max(3660)
  USAGE_RETENTION_DAYS = 400;

  /** Input plus output tokens a principal may use per UTC day, all models together; 0: no quota. */
  @IsInt()
  @Min(0)
  QUOTA_TOKENS_PER_DAY = 0;

  /** Per-principal quotas, comma-separated `principal:tokens` (e.g. `key:ci:200000,jwt:ann:0`); 0: unlimited. */
  @IsOptional()
  @IsString()
  QUOTA_OVERRIDES?: string;
}

/** QUOTA_OVERRIDES as principal → tokens per day; throws naming the first bad entry. */
export function parseQuotaOverrides(value: string | undefined): Map<string, number> {
  const overrides = new Map<string, number>();
  for (const entry of (value ?? '').split(',').map((item) => item.trim()).filter(Boolean)) {
    // Principal ids contain colons (key:alice): the tokens are after the last one.
    const colon = entry.lastIndexOf(':');
    const principal = entry.slice(0, colon);
    const tokens = entry.slice(colon + 1);
    if (colon <= 0 || !/^\d{1,15}$/.test(tokens)) {
      throw new Error(`QUOTA_OVERRIDES entry ${JSON.stringify(entry)} is not principal:tokens (e.g. key:ci:200000)`);
    }
    overrides.set(principal, Number(tokens));
  }
  return overrides;
}
