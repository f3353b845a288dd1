// Runs ESLint's Node API on the project's eslint.config.mjs with its import rules only (no type
// information, so it is quick), in a process of its own: jest cannot load an ES module config.
// Argument: JSON {cwd, requests: [{patterns} | {text, filePath}]}. Prints, per request, each linted
// file's messages, as JSON.
import { ESLint } from 'eslint';

const { cwd, requests } = JSON.parse(process.argv[2]);
const eslint = new ESLint({
  cwd,
  ruleFilter: ({ ruleId }) => ruleId.startsWith('import-x/'),
  overrideConfig: { languageOptions: { parserOptions: { project: null } } },
});
const answers = [];
for (const { patterns, text, filePath } of requests) {
  const results = text === undefined ? await eslint.lintFiles(patterns) : await eslint.lintText(text, { filePath });
  answers.push(
    results.map((result) => ({
      file: result.filePath,
      messages: result.messages.map(({ ruleId, message }) => ({ ruleId, message })),
    })),
  );
}
process.stdout.write(JSON.stringify(answers));
