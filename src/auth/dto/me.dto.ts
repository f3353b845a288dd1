import { ApiProperty } from '@nestjs/swagger';

export class MeDto {
  @ApiProperty({ description: 'The API key name or JWT subject; "local" in single-user mode' }) principal!: string;
  @ApiProperty() admin!: boolean;
  @ApiProperty({ description: 'False in single-user mode: no credential is asked for' }) auth_enabled!: boolean;
  @ApiProperty({ type: String, nullable: true, description: "When the caller's token expires (ISO 8601)" })
  expires_at!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'LLM_MODEL ("provider:model"); null when none is set' })
  model!: string | null;
}
