import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const CONFIG_DIR = __dirname;
const DOC = join(__dirname, '..', '..', 'docs', 'configuration.md');

/** Every capitalised property declared in the config class's files: the settings, by name. */
function declaredSettings(): string[] {
  return readdirSync(CONFIG_DIR)
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.spec.ts'))
    .flatMap((file) =>
      [
        ...readFileSync(join(CONFIG_DIR, file), 'utf8').matchAll(/^\s+(?:readonly\s+)?([A-Z][A-Z0-9_]*)[?!]?\s*[:=]/gm),
      ].map((match) => match[1]),
    );
}

describe('docs/configuration.md', () => {
  it('should document every setting the config class declares', () => {
    const settings = declaredSettings();
    expect(settings.length).toBeGreaterThan(60);
    const doc = readFileSync(DOC, 'utf8');
    const missing = settings.filter((name) => !new RegExp(`\\b${name}\\b`).test(doc));
    expect(missing).toEqual([]);
  });
});
