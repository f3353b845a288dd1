import { Module } from '@nestjs/common';

import { ModelsModule } from '../models/models.module';
import { AccountController } from './account.controller';

/** The caller's account routes: identity, models (and, with usage, what they spent). */
@Module({
  imports: [ModelsModule],
  controllers: [AccountController],
})
export class AccountModule {}
