import { ApiProperty } from '@nestjs/swagger';

import { QuotaDto } from './usage.dto';

export class MeDto {
  @ApiProperty({ description: 'The API key name or JWT subject; "local" in single-user mode' }) principal!: string;
  @ApiProperty() admin!: boolean;
  @ApiProperty({ description: 'False in single-user mode: no credential is asked for' }) auth_enabled!: boolean;
  @ApiProperty({ type: String, nullable: true, description: "When the caller's token expires (ISO 8601)" })
  expires_at!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description: "The id of the caller's default model (GET /api/v3/models); null when none is configured",
  })
  model!: string | null;
  @ApiProperty({ type: QuotaDto, description: 'The daily token quota, and what is used of it today' })
  quota!: QuotaDto;
}
