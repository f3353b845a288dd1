import { Controller, Get, Param, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';

import { CurrentPrincipal } from '../auth/auth.decorators';
import type { Principal } from '../auth/principal';
import { ParseIdPipe } from '../common/validation';
import { ErrorBodyDto } from '../contract/error-body.dto';
import { ArtifactsService } from './artifacts.service';

// Served as a document of its own, never as part of the page: no script, no plugin, no request.
const ARTIFACT_CSP = "sandbox; default-src 'none'; img-src 'self' data:; media-src 'self'; style-src 'unsafe-inline'";

@ApiTags('sessions')
@ApiBearerAuth()
@Controller('api/v3/sessions')
export class ArtifactsController {
  constructor(private readonly artifacts: ArtifactsService) {}

  @Get(':id/artifacts/:artifactId')
  @ApiOperation({
    summary: "A file of a tool result (an image, audio, a binary resource), as the tool_call event's content links it",
  })
  @ApiOkResponse({ description: 'The bytes, with the type the MCP server gave' })
  @ApiNotFoundResponse({ type: ErrorBodyDto, description: 'Unknown, expired, or not yours' })
  async get(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseIdPipe) sessionId: string,
    @Param('artifactId', ParseIdPipe) artifactId: string,
    @Res() response: Response,
  ): Promise<void> {
    const artifact = await this.artifacts.read(principal, sessionId, artifactId);
    response
      .status(200)
      .set({
        'Content-Type': artifact.mime_type,
        'Content-Length': String(artifact.data.length),
        'Content-Disposition': 'inline',
        'Cache-Control': 'private, max-age=300',
        'Content-Security-Policy': ARTIFACT_CSP,
      })
      .end(artifact.data);
  }
}
