import { createHash, timingSafeEqual } from 'node:crypto';

const PRINCIPAL = /^[\w.@-]{1,128}$/;
const MIN_KEY_CHARS = 16;

interface KeyEntry {
  principal: string;
  digest: Buffer;
}

const digestOf = (key: string): Buffer => createHash('sha256').update(key).digest();

/**
 * API keys as `principal:key` pairs. A key is checked against every entry in constant time (equal
 * length digests, no early exit), so timing tells nothing about which keys exist.
 */
export class ApiKeys {
  private constructor(private readonly entries: KeyEntry[]) {}

  /**
   * Parses `principal:key` entries; `source` names where they came from in errors, which never
   * repeat a key. A principal may have several keys (to rotate them).
   */
  static parse(entries: string[], source: string): ApiKeys {
    const problems: string[] = [];
    const parsed: KeyEntry[] = [];
    const seen = new Set<string>();
    entries.forEach((entry, index) => {
      const colon = entry.indexOf(':');
      const principal = colon < 0 ? '' : entry.slice(0, colon);
      const key = colon < 0 ? '' : entry.slice(colon + 1);
      const where = `${source} entry ${index + 1}`;
      if (!PRINCIPAL.test(principal)) {
        problems.push(`${where}: expected principal:key, with a principal of letters, digits and _ . @ -`);
      } else if (key.length < MIN_KEY_CHARS || /\s/.test(key)) {
        problems.push(`${where} (${principal}): the key must be ${MIN_KEY_CHARS} or more characters, without spaces`);
      } else if (seen.has(key)) {
        problems.push(`${where} (${principal}): the same key is given twice`);
      } else {
        seen.add(key);
        parsed.push({ principal, digest: digestOf(key) });
      }
    });
    if (problems.length > 0) {
      throw new Error(`Invalid API keys:\n  ${problems.join('\n  ')}`);
    }
    return new ApiKeys(parsed);
  }

  get size(): number {
    return this.entries.length;
  }

  /** The principal whose key this is, or undefined. */
  match(key: string): string | undefined {
    const digest = digestOf(key);
    let found: string | undefined;
    for (const entry of this.entries) {
      if (timingSafeEqual(entry.digest, digest)) {
        found = entry.principal;
      }
    }
    return found;
  }
}

/** The entries of AUTH_API_KEYS (comma-separated) or of a keys file (one per line, # comments). */
export function keyEntries(text: string, separator: 'comma' | 'line'): string[] {
  const items = separator === 'comma' ? text.split(',') : text.split(/\r?\n/).filter((line) => !/^\s*#/.test(line));
  return items.map((item) => item.trim()).filter(Boolean);
}
