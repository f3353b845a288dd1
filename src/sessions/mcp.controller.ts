import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';

import { CurrentPrincipal } from '../auth/auth.decorators';
import type { Principal } from '../auth/principal';
import { decodeCursor, encodeCursor, PAGE_DEFAULT_LIMIT, PageQueryDto } from '../common/page';
import { ErrorBodyDto } from '../contract/error-body.dto';
import { CatalogQueryDto, GetPromptDto, McpResultDto, ReadResourceQueryDto } from '../mcp/catalog/dto/catalog.dto';
import { ServerListDto } from '../mcp/catalog/dto/server-status.dto';
import { McpService } from '../mcp/mcp.service';
import { SessionCatalog } from './session-catalog.service';

const isOffset = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;

/**
 * The MCP servers as the caller sees them, and their resources and prompts: a session-scoped server's
 * through the caller's session, on whichever node holds it.
 */
@ApiTags('mcp')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ type: ErrorBodyDto, description: 'No valid credential (with authentication on)' })
@Controller('api/v3/mcp')
export class McpController {
  constructor(
    private readonly mcp: McpService,
    private readonly catalog: SessionCatalog,
  ) {}

  @Get('servers')
  @ApiOperation({
    summary: "A page of the configured MCP servers' status and tools",
    description:
      "What a session's clients saw (a server's last_error, its tools after a change) is shown to the session's owner and to administrators only.",
  })
  @ApiOkResponse({ type: ServerListDto })
  @ApiBadRequestResponse({ type: ErrorBodyDto })
  servers(@CurrentPrincipal() principal: Principal, @Query() query: PageQueryDto): ServerListDto {
    // The configured servers are fixed at start-up: an offset is a stable position.
    const start = query.cursor === undefined ? 0 : decodeCursor(query.cursor, isOffset);
    const end = start + (query.limit ?? PAGE_DEFAULT_LIMIT);
    const all = this.mcp.statuses({ id: principal.id, admin: principal.admin });
    return {
      servers: all.slice(start, end),
      processes: this.mcp.processes(),
      next_cursor: end < all.length ? encodeCursor(end) : null,
    };
  }

  @Get('servers/:server/resources')
  @ApiOperation({ summary: "A page of the server's resources (MCP resources/list)" })
  @ApiOkResponse({ type: McpResultDto })
  resources(
    @CurrentPrincipal() principal: Principal,
    @Param('server') server: string,
    @Query() query: CatalogQueryDto,
  ) {
    return this.catalog.read(principal, { op: 'resources/list', server, cursor: query.cursor }, query.session_id);
  }

  @Get('servers/:server/resource-templates')
  @ApiOperation({ summary: "A page of the server's resource templates (MCP resources/templates/list)" })
  @ApiOkResponse({ type: McpResultDto })
  resourceTemplates(
    @CurrentPrincipal() principal: Principal,
    @Param('server') server: string,
    @Query() query: CatalogQueryDto,
  ) {
    return this.catalog.read(
      principal,
      { op: 'resources/templates/list', server, cursor: query.cursor },
      query.session_id,
    );
  }

  @Get('servers/:server/resources/read')
  @ApiOperation({ summary: 'The contents of one resource (MCP resources/read)' })
  @ApiOkResponse({ type: McpResultDto })
  readResource(
    @CurrentPrincipal() principal: Principal,
    @Param('server') server: string,
    @Query() query: ReadResourceQueryDto,
  ) {
    return this.catalog.read(principal, { op: 'resources/read', server, uri: query.uri }, query.session_id);
  }

  @Get('servers/:server/prompts')
  @ApiOperation({ summary: "A page of the server's prompts (MCP prompts/list)" })
  @ApiOkResponse({ type: McpResultDto })
  prompts(@CurrentPrincipal() principal: Principal, @Param('server') server: string, @Query() query: CatalogQueryDto) {
    return this.catalog.read(principal, { op: 'prompts/list', server, cursor: query.cursor }, query.session_id);
  }

  @Post('servers/:server/prompts/:prompt/get')
  @HttpCode(200)
  @ApiOperation({ summary: 'One prompt filled with its arguments (MCP prompts/get)' })
  @ApiOkResponse({ type: McpResultDto })
  prompt(
    @CurrentPrincipal() principal: Principal,
    @Param('server') server: string,
    @Param('prompt') prompt: string,
    @Body() body: GetPromptDto,
  ) {
    const request = { op: 'prompts/get' as const, server, name: prompt, arguments: body.arguments ?? {} };
    return this.catalog.read(principal, request, body.session_id);
  }
}
