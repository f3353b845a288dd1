import type { ChatMessage } from '../contract/session-record';
import { HeldHistory } from './held-history';

const user = (content: string): ChatMessage => ({ role: 'user', content });
const answer = (content: string): ChatMessage => ({ role: 'assistant', content });

describe(HeldHistory.name, () => {
  it('should give the kept page while the store counts what it counts', () => {
    const held = HeldHistory.of({ messages: [user('a'), answer('b')], total: 2, next_before: null }, 4);
    expect(held.current(2)).toEqual({ messages: [user('a'), answer('b')], total: 2, next_before: null });
  });

  it('should give nothing once the store counts otherwise: something else wrote the history', () => {
    const held = HeldHistory.of({ messages: [user('a'), answer('b')], total: 2, next_before: null }, 4);
    expect(held.current(3)).toBeUndefined();
  });

  it("should add each turn's messages and keep the newest `limit`, saying where the older ones end", () => {
    const held = HeldHistory.of({ messages: [user('a'), answer('b')], total: 5, next_before: 3 }, 4);
    held.append([user('c'), answer('d'), user('e')]);
    expect(held.current(8)).toEqual({
      messages: [answer('b'), user('c'), answer('d'), user('e')],
      total: 8,
      next_before: 4,
    });
  });
});
