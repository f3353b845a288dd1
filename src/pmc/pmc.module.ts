import { Module } from '@nestjs/common';

import { PmcController } from './pmc.controller';

/** PMCChat, the browser client: public/pmc served as it is, no build step. */
@Module({ controllers: [PmcController] })
export class PmcModule {}
