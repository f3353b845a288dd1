import {
  OWNER,
  QUEUING_SENDER as SENDER,
  storeBackends,
  storedRecord as record,
} from '../../test/helpers/session-store-backends';
import type { StoreBackend } from '../../test/helpers/session-store-backends';
import type { ChatMessage } from '../contract/session-record';
import { SessionStatus } from '../contract/session-status';
import type { SessionStore } from './session-store';

const done = (messages: ChatMessage[]) => ({ messages, at: 2, completed: true, status: SessionStatus.READY });

// What the chat list shows of a session, the same on every SessionStore implementation.
describe.each(storeBackends)('SessionStore contract, chats: %s', (_name, open) => {
  let backend: StoreBackend;
  let store: SessionStore;

  beforeAll(async () => {
    backend = await open();
  });
  afterAll(() => backend.close());
  beforeEach(async () => {
    await backend.reset();
    store = backend.store();
    await store.create(record('a'), { total: 10 });
    await store.claim('a', 'n1', false);
  });

  it('should tell the running turn and the queued ones, in order, with what they carry', async () => {
    expect(await store.pending('a')).toEqual({ running: undefined, queued: [] });
    const first = { turn_id: 't1', content: 'one', attachments: [{ server: 'fs', uri: 'file:///a' }] };
    const second = { turn_id: 't2', content: 'two', replace_last: true };
    await store.enqueue('a', OWNER, first, 5, 2, SENDER);
    await store.enqueue('a', OWNER, second, 5, 2, SENDER);
    await store.startNext('a', 'n1', 10);
    expect(await store.pending('a')).toEqual({ running: first, queued: [second] });
    expect(await store.pending('nope')).toBeUndefined();
  });

  it("should keep the owner's title and tool switches over the first message's title", async () => {
    expect(await store.change('a', { title: 'Named', disabled_tools: ['fs', 'git/commit'] })).toBe(true);
    await store.enqueue('a', OWNER, { turn_id: 't1', content: 'first words' }, 5, 2, SENDER);
    // A turn starts with the switches, read in the same step.
    expect(await store.startNext('a', 'n1', 10)).toMatchObject({ state: 'started', disabled: ['fs', 'git/commit'] });
    await store.finishTurn('a', 't1', done([{ role: 'user', content: 'first words' }]));
    expect(await store.get('a')).toMatchObject({ title: 'Named', disabled_tools: ['fs', 'git/commit'] });
    expect(await store.change('a', { disabled_tools: [] })).toBe(true);
    expect((await store.get('a'))?.disabled_tools).toEqual([]);
    // A message that starts at once (its sender holds the idle session) gets them too.
    await store.change('a', { disabled_tools: ['fs'] });
    const idle = { node: 'n1', idle: true, historyLimit: 10 };
    const admitted = await store.enqueue('a', OWNER, { turn_id: 't2', content: 'more' }, 5, 3, idle);
    expect(admitted).toMatchObject({ admitted: true, started: { disabled: ['fs'] } });
    expect(await store.change('nope', { title: 'x' })).toBe(false);
    expect(await store.get('nope')).toBeUndefined();
  });

  it("should keep the session's model and start each turn with it, however the turn starts", async () => {
    await store.create({ ...record('m'), model: 'fast' }, { total: 10 });
    await store.claim('m', 'n1', false);
    expect(await store.get('m')).toMatchObject({ model: 'fast' });
    expect((await store.get('a'))?.model).toBeUndefined();
    const idle = { node: 'n1', idle: true, historyLimit: 10 };
    // Started at once by its message.
    const first = await store.enqueue('m', OWNER, { turn_id: 't1', content: 'one' }, 5, 2, idle);
    expect(first).toMatchObject({ admitted: true, started: { model: 'fast' } });
    // Switched while a turn runs: the queued turn starts with the new model, at the last turn's end.
    await store.enqueue('m', OWNER, { turn_id: 't2', content: 'two' }, 5, 2, SENDER);
    expect(await store.change('m', { model: 'claude' })).toBe(true);
    const ended = await store.finishTurn('m', 't1', { ...done([{ role: 'user', content: 'one' }]), next: 'n1' });
    expect(ended && ended.next).toMatchObject({ turn: { turn_id: 't2' }, model: 'claude' });
    await store.finishTurn('m', 't2', done([{ role: 'user', content: 'two' }]));
    // And by startNext.
    await store.enqueue('m', OWNER, { turn_id: 't3', content: 'three' }, 5, 3, SENDER);
    expect(await store.startNext('m', 'n1', 10)).toMatchObject({ state: 'started', model: 'claude' });
    expect(await store.get('m')).toMatchObject({ model: 'claude' });
  });

  it("should title a session by its first message, and count only the user's messages and the answers", async () => {
    await store.enqueue('a', OWNER, { turn_id: 't1', content: 'list files' }, 5, 2, SENDER);
    // From the moment it is accepted.
    expect(await store.get('a')).toMatchObject({ title: 'list files', message_count: 0 });
    await store.startNext('a', 'n1', 10);
    await store.finishTurn(
      'a',
      't1',
      done([
        { role: 'user', content: 'list files' },
        { role: 'assistant', content: '', tool_calls: [{ id: 'c1', name: 'fs__list', arguments: {} }] },
        { role: 'tool', content: 'a.txt', tool_call_id: 'c1', name: 'fs__list' },
        { role: 'assistant', content: 'One file: a.txt' },
      ]),
    );
    expect(await store.get('a')).toMatchObject({ title: 'list files', message_count: 2 });
    // A turn another node finds interrupted still shows its prompt.
    await store.enqueue('a', OWNER, { turn_id: 't2', content: 'again' }, 5, 3, SENDER);
    await store.startNext('a', 'n1', 10);
    await store.release('a', 'n1', true);
    await store.claim('a', 'n2', true);
    expect(await store.get('a')).toMatchObject({ title: 'list files', message_count: 3 });
    expect((await store.messages('a', 10))?.total).toBe(5);
  });
});
