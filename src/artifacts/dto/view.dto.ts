import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class ViewCspDto {
  @ApiProperty({ type: [String], description: 'connect-src: origins for fetch, XHR, WebSocket' })
  connect_domains!: string[];
  @ApiProperty({ type: [String], description: 'script, style, image, font and media origins' })
  resource_domains!: string[];
  @ApiProperty({ type: [String], description: 'frame-src: origins for nested frames' }) frame_domains!: string[];
  @ApiProperty({ type: [String], description: 'base-uri' }) base_uri_domains!: string[];
}

export class ViewToolDto {
  @ApiProperty({ description: "The tool's name on its MCP server" }) name!: string;
  @ApiProperty() description!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) input_schema!: Record<string, unknown>;
}

export class OpenedViewDto {
  @ApiProperty({ description: 'GET: the view document, once, until expires_at; for an iframe src' })
  document_url!: string;
  @ApiProperty() expires_at!: string;
  @ApiProperty({ description: 'The ui:// resource' }) uri!: string;
  @ApiProperty({ description: 'The MCP server the view (and every tool it calls) belongs to' }) server!: string;
  @ApiProperty({ type: ViewToolDto, description: 'The tool whose call showed the view' }) tool!: ViewToolDto;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'That call: ui/notifications/tool-input' })
  arguments!: Record<string, unknown>;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'Its result as the server sent it (an MCP CallToolResult): ui/notifications/tool-result',
  })
  result!: Record<string, unknown>;
  @ApiProperty({ type: ViewCspDto, description: 'What the server declared, as the document is served with it' })
  csp!: ViewCspDto;
  @ApiProperty({ enum: ['camera', 'microphone', 'geolocation', 'clipboard-write'], isArray: true })
  permissions!: string[];
  @ApiPropertyOptional() prefers_border?: boolean;
}
