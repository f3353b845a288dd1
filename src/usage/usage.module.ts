import { Module } from '@nestjs/common';

import { QuotaService } from './quota.service';
import { usageStoreProvider } from './usage.providers';
import { UsageService } from './usage.service';

/** Token usage per principal, model and day, and the daily quotas read from it. */
@Module({
  providers: [usageStoreProvider, UsageService, QuotaService],
  exports: [UsageService, QuotaService],
})
export class UsageModule {}
