import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class ToolInfoDto {
  @ApiProperty() name!: string;
  @ApiProperty() description!: string;
}

export class ServerStatusDto {
  @ApiProperty() name!: string;
  @ApiProperty({ enum: ['stdio', 'http'] }) transport!: 'stdio' | 'http';
  @ApiProperty({
    enum: ['idle', 'ready', 'error'],
    description: 'idle: no session started it yet; ready: its last start worked; error: its last start failed',
  })
  status!: 'idle' | 'ready' | 'error';
  @ApiProperty({ description: 'Live connections across sessions' }) connections!: number;
  @ApiProperty({ type: [ToolInfoDto], description: 'Tools seen at its last successful start' }) tools!: ToolInfoDto[];
  @ApiPropertyOptional() last_error?: string;
}

export class ServerListDto {
  @ApiProperty({ type: [ServerStatusDto] }) servers!: ServerStatusDto[];
}
