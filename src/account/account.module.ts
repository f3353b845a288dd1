import { Module } from '@nestjs/common';

import { ModelsModule } from '../models/models.module';
import { UsageModule } from '../usage/usage.module';
import { AccountController } from './account.controller';

/** The caller's account routes: identity, models, usage and quota. */
@Module({
  imports: [ModelsModule, UsageModule],
  controllers: [AccountController],
})
export class AccountModule {}
