import { Logger } from '@nestjs/common';
import { ReplyError } from 'ioredis';
import type { Redis } from 'ioredis';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { AppException } from '../common/errors';
import { ErrorCode } from '../contract/error-code';

type ScriptCommand = (...keysAndArgs: (string | number)[]) => Promise<unknown>;

/**
 * A Lua script kept in a file beside its caller. ioredis runs it with EVALSHA and sends the body
 * once when Redis does not have it (first use, or after a Redis restart).
 */
export class RedisScript<T = unknown> {
  private readonly command: string;

  constructor(
    private readonly client: Redis,
    dir: string,
    file: string,
    keys: number,
  ) {
    // A script may be defined with two key counts (an optional key): each is its own command.
    this.command = `mcphost_${file.replace(/\W/g, '_')}_${keys}`;
    client.defineCommand(this.command, { numberOfKeys: keys, lua: readFileSync(join(dir, file), 'utf8') });
  }

  /** Defines the scripts of one folder on a client: `load<T>(file, number of keys)`. */
  static loader(client: Redis, dir: string) {
    return <T>(file: string, keys: number) => new RedisScript<T>(client, dir, file, keys);
  }

  run(keys: string[], args: (string | number)[] = []): Promise<T> {
    const command = (this.client as unknown as Record<string, ScriptCommand>)[this.command];
    return storeCall(command.call(this.client, ...keys, ...args) as Promise<T>);
  }
}

const logger = new Logger('Redis');

/**
 * A Redis failure as the error clients see: STORE_UNAVAILABLE (503), the session unharmed. The
 * client is not told Redis's address or its words; an error Redis answered (a script's bug, not an
 * outage, which RedisService logs once) is logged here.
 */
export function storeUnavailable(error: unknown): AppException {
  if (error instanceof AppException) {
    return error;
  }
  if (error instanceof ReplyError) {
    logger.error(`Redis refused a command: ${(error as Error).message}`);
  }
  return new AppException(ErrorCode.STORE_UNAVAILABLE, 'The session store (Redis) is unavailable; retry shortly');
}

/** Runs a Redis call, turning its failure into STORE_UNAVAILABLE. */
export function storeCall<T>(call: Promise<T>): Promise<T> {
  return call.catch((error: unknown) => {
    throw storeUnavailable(error);
  });
}
