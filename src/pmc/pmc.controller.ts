import { Controller, Get, Redirect } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';

/** The chat page lives at /pmc (static files, see configureApp); the root leads there. */
@ApiExcludeController()
@Controller()
export class PmcController {
  @Get()
  @Redirect('/pmc/', 302)
  root(): void {
    // The redirect is the whole answer.
  }
}
