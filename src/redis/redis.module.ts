import { Global, Module } from '@nestjs/common';

import { RedisService } from './redis.service';

/** The Redis connections, shared by every Redis backend; nothing connects unless one is used. */
@Global()
@Module({
  providers: [RedisService],
  exports: [RedisService],
})
export class RedisModule {}
