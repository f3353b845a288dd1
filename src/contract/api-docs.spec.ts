import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { ErrorCode } from './error-code';
import { EVENT_TYPES } from './events';

const DOC = join(__dirname, '..', '..', 'docs', 'api.md');

describe('docs/api.md', () => {
  const doc = readFileSync(DOC, 'utf8');
  const documented = (name: string) => new RegExp(`\`${name}\``).test(doc);

  it('should document every event type of the contract', () => {
    expect(EVENT_TYPES.filter((type) => !documented(type))).toEqual([]);
  });

  it('should document every error code of the contract', () => {
    expect(Object.values(ErrorCode).filter((code) => !documented(code))).toEqual([]);
  });
});
