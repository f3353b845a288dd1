import type { ChatMessage } from '../contract/session-record';
import { approxTokens, fromTurnBoundary, lastTurnStart, trimHistory, visibleToModel } from './history';

const user = (content: string): ChatMessage => ({ role: 'user', content });
const answer = (content: string): ChatMessage => ({ role: 'assistant', content });
const call = (id: string): ChatMessage => ({
  role: 'assistant',
  content: '',
  tool_calls: [{ id, name: 'echo', arguments: { message: id } }],
});
const result = (id: string): ChatMessage => ({ role: 'tool', tool_call_id: id, name: 'echo', content: `Echo: ${id}` });

describe(trimHistory.name, () => {
  it('should keep everything that fits the budget', () => {
    const history = [user('hi'), answer('hello')];
    expect(trimHistory(history, 1000)).toBe(history);
  });

  it('should drop the oldest messages first', () => {
    const history = [user('a'.repeat(400)), answer('b'.repeat(400)), user('c'), answer('d')];
    expect(trimHistory(history, 20)).toEqual([user('c'), answer('d')]);
  });

  it('should never keep a tool result without the call it answers', () => {
    const history = [user('q'.repeat(40)), call('1'), result('1'), result('1b'), answer('done'), user('next')];
    const budget = approxTokens(result('1b')) + approxTokens(answer('done')) + approxTokens(user('next'));
    const trimmed = trimHistory(history, budget);
    expect(trimmed).toEqual([answer('done'), user('next')]);
  });

  it('should keep a call together with all its results when they fit', () => {
    const history = [user('x'.repeat(400)), call('1'), result('1'), answer('ok')];
    const trimmed = trimHistory(history, 60);
    expect(trimmed).toEqual([call('1'), result('1'), answer('ok')]);
  });
});

describe(visibleToModel.name, () => {
  it('should leave out turns that did not complete, and turns a later message replaced', () => {
    const history: ChatMessage[] = [
      user('first'), // 10
      answer('one'),
      { role: 'user', content: 'stopped', incomplete: 'cancelled' },
      user('second'), // 13
      call('c1'),
      result('c1'),
      answer('two'),
      { role: 'user', content: 'second, again', replaces: 13 }, // 17
      answer('two, better'),
    ];
    expect(visibleToModel(history, 10).map((message) => message.content)).toEqual([
      'first',
      'one',
      'second, again',
      'two, better',
    ]);
    // A replacement that begins before the stretch read hides all of it up to itself.
    expect(visibleToModel(history.slice(4), 14).map((message) => message.content)).toEqual([
      'second, again',
      'two, better',
    ]);
  });

  it('should hide a whole chain of regenerations but the latest', () => {
    const history: ChatMessage[] = [
      user('try'), // 0
      answer('one'),
      { role: 'user', content: 'try', replaces: 0 }, // 2
      answer('two'),
      { role: 'user', content: 'try again', replaces: 2 }, // 4
      answer('three'),
    ];
    expect(visibleToModel(history, 0).map((message) => message.content)).toEqual(['try again', 'three']);
  });

  it("should find where the last turn began, also when it is a replacement's", () => {
    expect(lastTurnStart([user('a'), answer('b'), user('c'), call('c1'), result('c1')], 5)).toBe(7);
    expect(lastTurnStart([answer('b')], 5)).toBeUndefined();
  });
});

describe(fromTurnBoundary.name, () => {
  it('should begin the stretch at its first turn, and move its start index with the cut', () => {
    const stretch = [result('a'), answer('done a'), user('b'), call('c'), result('c'), answer('done b')];
    expect(fromTurnBoundary(stretch, 40)).toEqual({ messages: stretch.slice(2), first: 42 });
  });

  it('should keep a whole history as it is', () => {
    const whole = [user('a'), answer('done a')];
    expect(fromTurnBoundary(whole, 0)).toEqual({ messages: whole, first: 0 });
  });

  it('should begin a turn longer than the stretch at a call, never at a result', () => {
    const stretch = [result('a'), call('b'), result('b'), answer('done')];
    expect(fromTurnBoundary(stretch, 7)).toEqual({ messages: stretch.slice(1), first: 8 });
  });
});
