import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';

import { CurrentPrincipal } from '../../auth/auth.decorators';
import type { Principal } from '../../auth/principal';
import { decodeCursor, encodeCursor, PAGE_DEFAULT_LIMIT, PageQueryDto } from '../../common/page';
import { ErrorBodyDto } from '../../contract/error-body.dto';
import { McpService } from '../mcp.service';
import { CatalogQueryDto, GetPromptDto, McpResultDto, ReadResourceQueryDto } from './dto/catalog.dto';
import { ServerListDto } from './dto/server-status.dto';
import { McpCatalogService } from './mcp-catalog.service';

const isOffset = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;

@ApiTags('mcp')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ type: ErrorBodyDto, description: 'No valid credential (with authentication on)' })
@Controller('api/v3/mcp')
export class McpController {
  constructor(
    private readonly mcp: McpService,
    private readonly catalog: McpCatalogService,
  ) {}

  @Get('servers')
  @ApiOperation({ summary: "A page of the configured MCP servers' status and tools" })
  @ApiOkResponse({ type: ServerListDto })
  @ApiBadRequestResponse({ type: ErrorBodyDto })
  servers(@Query() query: PageQueryDto): ServerListDto {
    // The configured servers are fixed at start-up: an offset is a stable position.
    const start = query.cursor === undefined ? 0 : decodeCursor(query.cursor, isOffset);
    const end = start + (query.limit ?? PAGE_DEFAULT_LIMIT);
    const all = this.mcp.statuses();
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
    return this.catalog.listResources(principal, server, query.session_id, query.cursor);
  }

  @Get('servers/:server/resource-templates')
  @ApiOperation({ summary: "A page of the server's resource templates (MCP resources/templates/list)" })
  @ApiOkResponse({ type: McpResultDto })
  resourceTemplates(
    @CurrentPrincipal() principal: Principal,
    @Param('server') server: string,
    @Query() query: CatalogQueryDto,
  ) {
    return this.catalog.listResourceTemplates(principal, server, query.session_id, query.cursor);
  }

  @Get('servers/:server/resources/read')
  @ApiOperation({ summary: 'The contents of one resource (MCP resources/read)' })
  @ApiOkResponse({ type: McpResultDto })
  readResource(
    @CurrentPrincipal() principal: Principal,
    @Param('server') server: string,
    @Query() query: ReadResourceQueryDto,
  ) {
    return this.catalog.readResource(principal, server, query.uri, query.session_id);
  }

  @Get('servers/:server/prompts')
  @ApiOperation({ summary: "A page of the server's prompts (MCP prompts/list)" })
  @ApiOkResponse({ type: McpResultDto })
  prompts(@CurrentPrincipal() principal: Principal, @Param('server') server: string, @Query() query: CatalogQueryDto) {
    return this.catalog.listPrompts(principal, server, query.session_id, query.cursor);
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
    return this.catalog.getPrompt(principal, server, prompt, body.arguments ?? {}, body.session_id);
  }
}
