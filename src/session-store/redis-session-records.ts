import type { Redis } from 'ioredis';

import { TITLE_CHARS } from '../contract/session-record';
import type { ChatMessage, SessionRecord } from '../contract/session-record';
import { SessionStatus } from '../contract/session-status';
import type { RedisKeys } from '../redis/redis-keys';
import type { MessagePage } from './session-store';

/** A session's record from its hash, queue length and lease, read together (auto-pipelined). */
export async function readRecord(client: Redis, keys: RedisKeys, id: string): Promise<SessionRecord | undefined> {
  const [fields, queued, node] = await Promise.all([
    client.hgetall(keys.session(id)),
    client.llen(keys.queue(id)),
    client.get(keys.lease(id)),
  ]);
  if (!fields.created_at) {
    return undefined;
  }
  return {
    id,
    owner: fields.owner ?? '',
    created_at: Number(fields.created_at),
    last_active_at: Number(fields.last_active_at),
    turns: Number(fields.turns ?? 0),
    status: (fields.status as SessionStatus | undefined) ?? SessionStatus.IDLE,
    queued,
    running: fields.running_id,
    message_count: Number(fields.shown ?? 0),
    title: fields.title?.slice(0, TITLE_CHARS),
    ...(fields.disabled_tools ? { disabled_tools: toolSwitches(fields.disabled_tools) } : {}),
    node: node ?? undefined,
    ...(fields.model ? { model: fields.model } : {}),
  };
}

/** The `disabled_tools` field as stored (JSON), or none. */
export const toolSwitches = (stored: string | undefined): string[] => (stored ? (JSON.parse(stored) as string[]) : []);

/** A page of history as the Lua scripts return it: the total, where it starts, the messages' JSON. */
export function messagePage(total: number, start: number, messages: string[]): MessagePage {
  return {
    messages: messages.map((message) => JSON.parse(message) as ChatMessage),
    total,
    next_before: start > 0 ? start : null,
  };
}
