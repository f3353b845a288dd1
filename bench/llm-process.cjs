// The scripted OpenAI-compatible LLM in a process of its own, so that it takes CPU from neither the
// server under test nor the baselines; it sends its URL over IPC once it listens.
require('../scripts/register-ts.cjs');
const { ScriptedLlm } = require('../test/fixtures/scripted-llm.ts');

const llm = new ScriptedLlm({ record: false });
llm.start().then((url) => process.send({ url }));
process.on('disconnect', () => void llm.stop().then(() => process.exit(0)));
