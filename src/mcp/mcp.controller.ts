import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { CatalogQueryDto, GetPromptDto, McpResultDto, ReadResourceQueryDto } from './dto/catalog.dto';
import { ServerListDto } from './dto/server-status.dto';
import { McpCatalogService } from './mcp-catalog.service';
import { McpService } from './mcp.service';

@ApiTags('mcp')
@Controller('api/v3/mcp')
export class McpController {
  constructor(
    private readonly mcp: McpService,
    private readonly catalog: McpCatalogService,
  ) {}

  @Get('servers')
  @ApiOperation({ summary: "Each configured MCP server's status and tools" })
  @ApiOkResponse({ type: ServerListDto })
  servers(): ServerListDto {
    return { servers: this.mcp.statuses(), processes: this.mcp.processes() };
  }

  @Get('servers/:server/resources')
  @ApiOperation({ summary: "A page of the server's resources (MCP resources/list)" })
  @ApiOkResponse({ type: McpResultDto })
  resources(@Param('server') server: string, @Query() query: CatalogQueryDto) {
    return this.catalog.listResources(server, query.session_id, query.cursor);
  }

  @Get('servers/:server/resource-templates')
  @ApiOperation({ summary: "A page of the server's resource templates (MCP resources/templates/list)" })
  @ApiOkResponse({ type: McpResultDto })
  resourceTemplates(@Param('server') server: string, @Query() query: CatalogQueryDto) {
    return this.catalog.listResourceTemplates(server, query.session_id, query.cursor);
  }

  @Get('servers/:server/resources/read')
  @ApiOperation({ summary: 'The contents of one resource (MCP resources/read)' })
  @ApiOkResponse({ type: McpResultDto })
  readResource(@Param('server') server: string, @Query() query: ReadResourceQueryDto) {
    return this.catalog.readResource(server, query.uri, query.session_id);
  }

  @Get('servers/:server/prompts')
  @ApiOperation({ summary: "A page of the server's prompts (MCP prompts/list)" })
  @ApiOkResponse({ type: McpResultDto })
  prompts(@Param('server') server: string, @Query() query: CatalogQueryDto) {
    return this.catalog.listPrompts(server, query.session_id, query.cursor);
  }

  @Post('servers/:server/prompts/:prompt/get')
  @HttpCode(200)
  @ApiOperation({ summary: 'One prompt filled with its arguments (MCP prompts/get)' })
  @ApiOkResponse({ type: McpResultDto })
  prompt(@Param('server') server: string, @Param('prompt') prompt: string, @Body() body: GetPromptDto) {
    return this.catalog.getPrompt(server, prompt, body.arguments ?? {}, body.session_id);
  }
}
