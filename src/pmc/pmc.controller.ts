import { Controller, Get, Header, Redirect } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';

import { Public } from '../auth/auth.decorators';
import { contractModule } from './contract-module';

/** The chat page lives at /pmc (static files, see configureApp); the root leads there. */
@ApiExcludeController()
@Controller()
export class PmcController {
  private readonly contract = contractModule();

  /** Public, as the page is: it asks for the credential itself. */
  @Get()
  @Public()
  @Redirect('/pmc/', 302)
  root(): void {
    // The redirect is the whole answer.
  }

  /** Open like the rest of the page: the event types and error codes it subscribes by. */
  @Get('pmc/contract.js')
  @Public()
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  @Header('Cache-Control', 'no-cache')
  contractJs(): string {
    return this.contract;
  }
}
