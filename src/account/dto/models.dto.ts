import { ApiProperty } from '@nestjs/swagger';

export class ModelDto {
  @ApiProperty({ description: 'What a chat names it by (`model` on POST /api/v3/sessions, join_chat, …)' }) id!: string;
  @ApiProperty({ description: 'A name to show people' }) label!: string;
  @ApiProperty({ enum: ['openai', 'anthropic', 'ollama'] }) provider!: string;
  @ApiProperty({ description: "The provider's name for the model" }) model!: string;
  @ApiProperty({ description: "True for the caller's default: new chats get it" }) default!: boolean;
}

export class ModelsDto {
  @ApiProperty({ type: [ModelDto], description: 'The models the caller may use, in configuration order' })
  models!: ModelDto[];
  @ApiProperty({ type: String, nullable: true, description: "The caller's default model id; null when none" })
  default!: string | null;
}
