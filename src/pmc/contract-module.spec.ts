import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';

import { ClientEvent } from '../contract/client-events';
import { ErrorCode } from '../contract/error-code';
import { EVENT_TYPES } from '../contract/events';
import { CONTRACT_LISTS, contractModule } from './contract-module';

const PUBLIC = join(__dirname, '..', '..', 'public');

/** The scripts and pages under public/, vendored libraries aside. */
function publicFiles(dir = PUBLIC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      return entry.name === 'vendor' ? [] : publicFiles(path);
    }
    return /\.(js|html)$/.test(entry.name) ? [path] : [];
  });
}

/** The module's exports, its `export const` run as assignments in a context of their own. */
function evaluated(source: string): Record<string, unknown> {
  const exports: Record<string, unknown> = {};
  runInNewContext(source.replace(/^export const (\w+) =/gm, 'exports.$1 ='), { exports, Object });
  return exports;
}

describe(contractModule.name, () => {
  it('should export the event types, error codes and client events that src/contract/ declares', () => {
    const module = evaluated(contractModule());
    expect({ ...module }).toEqual({
      EVENT_TYPES,
      ERROR_CODES: Object.values(ErrorCode),
      CLIENT_EVENTS: Object.values(ClientEvent),
    });
    expect(Object.isFrozen(module.EVENT_TYPES)).toBe(true);
  });

  it('should leave no list of event types written into a file under public/', () => {
    expect(publicFiles().length).toBeGreaterThan(5);
    const spelledOut = publicFiles().filter((path) => {
      const text = readFileSync(path, 'utf8');
      return CONTRACT_LISTS.EVENT_TYPES.every((type) => text.includes(`'${type}'`) || text.includes(`"${type}"`));
    });
    expect(spelledOut).toEqual([]);
  });
});
