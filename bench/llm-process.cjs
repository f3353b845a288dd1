// The scripted OpenAI-compatible LLM in a process of its own, so that it takes CPU from neither the
// server under test nor the baselines; it sends its URL over IPC once it listens.
require('../scripts/register-ts.cjs');
const { ScriptedLlm } = require('../test/fixtures/scripted-llm.ts');

// It keeps the raw bodies of the last two requests: the benchmark's floor replays a tool turn's two.
const llm = new ScriptedLlm({ record: false, keepRaw: 2 });
llm.start().then((url) => process.send({ url }));
process.on('message', (message) => {
  if (message === 'last-requests') {
    process.send({ requests: [...llm.raw] });
  }
});
process.on('disconnect', () => void llm.stop().then(() => process.exit(0)));
