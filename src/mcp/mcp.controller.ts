import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { ServerListDto } from './dto/server-status.dto';
import { McpService } from './mcp.service';

@ApiTags('mcp')
@Controller('api/v3/mcp')
export class McpController {
  constructor(private readonly mcp: McpService) {}

  @Get('servers')
  @ApiOperation({ summary: "Each configured MCP server's status and tools" })
  @ApiOkResponse({ type: ServerListDto })
  servers(): ServerListDto {
    return { servers: this.mcp.statuses() };
  }
}
