import { join } from 'node:path';

import type { StreamEvent } from '../contract/events';
import { TITLE_CHARS } from '../contract/session-record';
import type { RedisKeys } from '../redis/redis-keys';
import { RedisScript, storeCall } from '../redis/redis-script';
import type { RedisService } from '../redis/redis.service';
import { runSignal } from './bus/redis-session-bus';
import type { RedisSessionEventLog } from './event-log/redis-session-event-log';
import { messagePage, toolSwitches } from './redis-session-records';
import { conversationCount } from './session-store';
import type { Admission, FinishedTurn, NextTurn, QueuedTurn, Sender, TurnEnd } from './session-store';

const LUA = join(__dirname, 'lua');

/** finish-turn.lua's answer: null when the turn was no longer running; else history total, next turn, switches, first event id, model. */
type FinishReply = [number, string, string, number, string] | null;

/**
 * The turns of RedisSessionStore: a message admitted to the queue (or started at once), the next
 * queued turn started, a turn's end recorded, each one script, with the activity index moved beside.
 */
export class RedisSessionTurns {
  private readonly keys: RedisKeys;
  private readonly scripts;

  constructor(
    private readonly redis: RedisService,
    private readonly keyTtlMs: number,
    /** The session's event log, which a turn's end appends to in the same script. */
    private readonly log: RedisSessionEventLog,
  ) {
    this.keys = redis.keys;
    const script = RedisScript.loader(redis.commands, LUA);
    this.scripts = {
      enqueue: script<[string, ...(number | string | null)[]]>('enqueue.lua', 4),
      startNext: script<[string, string?, string?, string?, number?, number?, ...string[]]>('start-next.lua', 4),
      finishTurn: script<FinishReply>('finish-turn.lua', 7),
      // The same script with the owner's usage hash as an eighth key (one Redis only: another slot).
      finishTurnWithUsage: script<FinishReply>('finish-turn.lua', 8),
    };
  }

  private get client() {
    return this.redis.commands;
  }

  async enqueue(
    id: string,
    owner: string,
    turn: QueuedTurn,
    limit: number,
    at: number,
    sender: Sender,
  ): Promise<Admission> {
    // The index is updated alongside (XX: only a session it lists), in the same round trip.
    const [[answer, ...rest]] = await Promise.all([
      this.scripts.enqueue.run(
        [this.keys.session(id), this.keys.queue(id), this.keys.messages(id), this.keys.lease(id)],
        [
          JSON.stringify(turn),
          limit,
          at,
          this.keyTtlMs,
          sender.node,
          sender.idle ? 1 : 0,
          sender.historyLimit,
          owner,
          turn.content.slice(0, TITLE_CHARS),
        ],
      ),
      this.activity(id, at),
    ]);
    switch (answer) {
      case 'missing':
        return { admitted: false, reason: 'missing' };
      case 'full':
        return { admitted: false, reason: 'full', waiting: Number(rest[0]) };
      case 'started': {
        const [disabled, model, total, start, ...messages] = rest as [string, string, number, number, ...string[]];
        const recent = messagePage(Number(total), Number(start), messages);
        return {
          admitted: true,
          started: { turn, recent, disabled: toolSwitches(disabled), ...(model ? { model } : {}) },
        };
      }
      default: {
        const holder = (rest[1] as string | null) ?? undefined;
        // The holder, another node, is told at once on its (sharded) channel; told: it was listening.
        const told =
          holder !== undefined && holder !== sender.node
            ? Number(await storeCall(this.client.spublish(this.keys.nodeChannel(holder), runSignal(id)))) > 0
            : false;
        return { admitted: true, waiting: Number(rest[0]), holder, told };
      }
    }
  }

  async startNext(id: string, node: string, historyLimit: number): Promise<NextTurn> {
    const [state, turn, disabled, model, total, start, ...messages] = await this.scripts.startNext.run(
      [this.keys.session(id), this.keys.queue(id), this.keys.lease(id), this.keys.messages(id)],
      [node, historyLimit],
    );
    if (state === 'started' && turn) {
      return {
        state,
        turn: JSON.parse(turn) as QueuedTurn,
        recent: messagePage(Number(total), Number(start), messages),
        disabled: toolSwitches(disabled),
        ...(model ? { model } : {}),
      };
    }
    return { state: state === 'lost' ? 'lost' : 'idle' };
  }

  async finishTurn(id: string, turnId: string, end: TurnEnd): Promise<FinishedTurn> {
    // What the turn appended and is not yet sent goes first, in this script: one call, in order.
    const pending = this.log.takePending(id);
    const events = [...pending.events, ...(end.events ?? [])];
    let finished: FinishReply;
    try {
      // The activity index moved as the turn's message came (enqueue); the sweep reads the hash's time.
      const usage = end.usage;
      const finish = usage ? this.scripts.finishTurnWithUsage : this.scripts.finishTurn;
      finished = await finish.run(
        [
          this.keys.session(id),
          this.keys.messages(id),
          this.keys.queue(id),
          ...this.logKeys(id),
          this.keys.lease(id),
          ...(usage ? [usage.key] : []),
        ],
        [
          turnId,
          end.at,
          end.completed ? 1 : 0,
          this.keyTtlMs,
          end.status,
          conversationCount(end.messages),
          end.next ?? '',
          end.messages.length,
          this.keys.eventsChannel(id),
          this.log.limit,
          ...(usage ? [usage.model, usage.input_tokens, usage.output_tokens, usage.expireAt] : ['', '', '', '']),
          ...end.messages.map((message) => JSON.stringify(message)),
          ...events.map((event) => JSON.stringify(event).slice(1)),
        ],
      );
    } catch (error) {
      pending.settle.forEach(({ reject }) => reject(error as Error));
      throw error;
    }
    const [total, next, disabled, first, model] = finished ?? [];
    const stored = finished ? events.map((event, i) => ({ id: Number(first) + i, ...event }) as StreamEvent) : [];
    // As an append whose fence failed when the turn was no longer running here.
    pending.settle.forEach(({ resolve }, i) => resolve(stored[i]));
    if (!finished) {
      return false;
    }
    this.log.storedHere(stored);
    const last = stored.slice(pending.events.length);
    if (!next) {
      return { events: last };
    }
    const started = {
      turn: JSON.parse(next) as QueuedTurn,
      recent: messagePage(Number(total), Number(total), []),
      disabled: toolSwitches(disabled as string),
      ...(model ? { model } : {}),
    };
    return { next: started, events: last };
  }

  /** Moves the session in the activity index (the sweep's); XX: never adds one that ended. */
  private async activity(id: string, at: number): Promise<void> {
    await storeCall(this.client.zadd(this.keys.sessionsByActivity(), 'XX', at, id));
  }

  private logKeys(id: string): string[] {
    return [this.keys.events(id), this.keys.eventSeq(id), this.keys.eventHead(id)];
  }
}
