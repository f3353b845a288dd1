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

/** ESLint's Node API on eslint.config.mjs (its import rules), in `cwd`: files, or text as if at `filePath`. */
async function lint(request: {
  cwd?: string;
  patterns?: string[];
  text?: string;
  filePath?: string;
}): Promise<Linted[]> {
  const { stdout } = await promisify(execFile)(process.execPath, [PROBE, JSON.stringify({ cwd: ROOT, ...request })], {
    cwd: request.cwd ?? ROOT,
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(stdout) as Linted[];
}

const ruleIds = (linted: Linted[]) => linted.flatMap((result) => result.messages.map((message) => message.ruleId));

describe('Lint: the direction of imports and no cycles (eslint.config.mjs)', () => {
  it('should find the tree clean', async () => {
    const linted = await lint({ patterns: ['src/**/*.ts'] });
    expect(linted.length).toBeGreaterThan(150);
    expect(linted.filter((result) => result.messages.length > 0)).toEqual([]);
  });

  it('should report a new file in src/common/ importing ChatGateway, naming the layers', async () => {
    const [result] = await lint({
      filePath: 'src/common/new-helper.ts',
      text: "import { ChatGateway } from '../chat/chat.gateway';\n\nexport const gateway = ChatGateway;\n",
    });
    expect(result.messages).toEqual([
      {
        ruleId: 'import-x/no-restricted-paths',
        message: expect.stringContaining(
          'src/common/ may import only from the folders below it (chat, health, pmc → sessions',
        ),
      },
    ]);
  });

  it('should report a back edge made by a type import too', async () => {
    const linted = await lint({
      filePath: 'src/auth/principal-store.ts',
      text: "import type { McpService } from '../mcp/mcp.service';\n\nexport type Store = McpService;\n",
    });
    expect(ruleIds(linted)).toEqual(['import-x/no-restricted-paths']);
  });

  it('should keep src/contract/ free of every other folder, and folders of a layer apart', async () => {
    const contract = await lint({
      filePath: 'src/contract/new-type.ts',
      text: "import type { AppException } from '../common/errors';\n\nexport type E = AppException;\n",
    });
    const peers = await lint({
      filePath: 'src/health/new-indicator.ts',
      text: "import { ChatGateway } from '../chat/chat.gateway';\n\nexport const g = ChatGateway;\n",
    });
    const root = await lint({
      filePath: 'src/redis/new-client.ts',
      text: "import { AppModule } from '../app.module';\n\nexport const m = AppModule;\n",
    });
    expect([ruleIds(contract), ruleIds(peers), ruleIds(root)]).toEqual([
      ['import-x/no-restricted-paths'],
      ['import-x/no-restricted-paths'],
      ['import-x/no-restricted-paths'],
    ]);
  });

  it('should accept an import that flows down', async () => {
    const linted = await lint({
      filePath: 'src/sessions/new-helper.ts',
      text: "import { SessionWorker } from '../turns/session-worker.service';\n\nexport const w = SessionWorker;\n",
    });
    expect(ruleIds(linted)).toEqual([]);
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
      const linted = await lint({ cwd: dir, patterns: ['src/**/*.ts'] });
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
