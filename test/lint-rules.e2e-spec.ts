import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const ROOT = join(__dirname, '..');
const PROBE = join(__dirname, 'helpers', 'lint-probe.mjs');

interface Linted {
  file: string;
  messages: Array<{ ruleId: string | null; message: string }>;
}

type LintRequest = { patterns: string[] } | { text: string; filePath: string };

/** ESLint's Node API on eslint.config.mjs (its import rules), in `cwd`: files, or text as if at `filePath`. */
async function lint(requests: LintRequest[], cwd = ROOT): Promise<Linted[][]> {
  const { stdout } = await promisify(execFile)(process.execPath, [PROBE, JSON.stringify({ cwd, requests })], {
    cwd,
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(stdout) as Linted[][];
}

const ruleIds = (linted: Linted[]) => linted.flatMap((result) => result.messages.map((message) => message.ruleId));

const file = (filePath: string, imports: string) => ({ filePath, text: `${imports}\n\nexport const used = [];\n` });

describe('Lint: the direction of imports and no cycles (eslint.config.mjs)', () => {
  // One ESLint process for the project's tree and the new files below.
  let answers: Linted[][];

  beforeAll(async () => {
    answers = await lint([
      { patterns: ['src/**/*.ts'] },
      file('src/common/new-helper.ts', "import { ChatGateway } from '../chat/chat.gateway';"),
      file('src/auth/principal-store.ts', "import type { McpService } from '../mcp/mcp.service';"),
      file('src/contract/new-type.ts', "import type { AppException } from '../common/errors';"),
      file('src/health/new-indicator.ts', "import { ChatGateway } from '../chat/chat.gateway';"),
      file('src/redis/new-client.ts', "import { AppModule } from '../app.module';"),
      file('src/sessions/new-helper.ts', "import { SessionWorker } from '../turns/session-worker.service';"),
    ]);
  }, 120_000);

  it('should find the tree clean', () => {
    const [tree] = answers;
    expect(tree.length).toBeGreaterThan(150);
    expect(tree.filter((result) => result.messages.length > 0)).toEqual([]);
  });

  it('should report a new file in src/common/ importing ChatGateway, naming the layers', () => {
    expect(answers[1][0].messages).toEqual([
      {
        ruleId: 'import-x/no-restricted-paths',
        message: expect.stringContaining(
          'src/common/ may import only from the folders below it (chat, health, pmc, account → sessions',
        ),
      },
    ]);
  });

  it('should report a back edge made by a type import too', () => {
    expect(ruleIds(answers[2])).toEqual(['import-x/no-restricted-paths']);
  });

  it('should keep src/contract/ free of every other folder, folders of a layer apart, and root files out of reach', () => {
    expect([ruleIds(answers[3]), ruleIds(answers[4]), ruleIds(answers[5])]).toEqual([
      ['import-x/no-restricted-paths'],
      ['import-x/no-restricted-paths'],
      ['import-x/no-restricted-paths'],
    ]);
  });

  it('should accept an import that flows down', () => {
    expect(ruleIds(answers[6])).toEqual([]);
  });

  describe('a cycle', () => {
    let dir: string;

    beforeAll(() => {
      // A tree of two files that import each other, under the project's config.
      dir = mkdtempSync(join(tmpdir(), 'lint-cycle-'));
      mkdirSync(join(dir, 'src', 'common'), { recursive: true });
      copyFileSync(join(ROOT, 'eslint.config.mjs'), join(dir, 'eslint.config.mjs'));
      symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
      writeFileSync(
        join(dir, 'src', 'common', 'a.ts'),
        "import { b } from './b';\n\nexport const a = (): number => b() + 1;\n",
      );
      writeFileSync(
        join(dir, 'src', 'common', 'b.ts'),
        "import { a } from './a';\n\nexport const b = (): number => a() - 1;\n",
      );
      writeFileSync(join(dir, 'src', 'common', 'c.ts'), "import type { a } from './a';\n\nexport type C = typeof a;\n");
    });

    afterAll(() => {
      rmSync(dir, { recursive: true, force: true });
    });

    it('should be reported in value imports, and type imports left alone', async () => {
      const [linted] = await lint([{ patterns: ['src/**/*.ts'] }], dir);
      const byFile = Object.fromEntries(
        linted.map((result) => [result.file.replace(`${dir}/`, ''), ruleIds([result])]),
      );
      expect(byFile).toEqual({
        'src/common/a.ts': ['import-x/no-cycle'],
        'src/common/b.ts': ['import-x/no-cycle'],
        'src/common/c.ts': [],
      });
    });
  });
});
