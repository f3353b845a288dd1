import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsOptional, Matches } from 'class-validator';

import { PageQueryDto } from '../../common/page';
import { toList } from '../../config/transforms';
import { USAGE_GROUP_KEYS } from '../../usage/usage.service';
import type { UsageGroupKey } from '../../usage/usage.service';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export class UsageQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'First UTC date, YYYY-MM-DD (default: 29 days before `to`; at most 366 days)' })
  @IsOptional()
  @Matches(DATE, { message: 'from must be a UTC date YYYY-MM-DD' })
  from?: string;

  @ApiPropertyOptional({ description: 'Last UTC date, YYYY-MM-DD (default: today)' })
  @IsOptional()
  @Matches(DATE, { message: 'to must be a UTC date YYYY-MM-DD' })
  to?: string;

  @ApiPropertyOptional({
    description: 'What to sum per: `model` (default), `day`, `principal`, or a comma-separated list',
    example: 'model,day',
  })
  @IsOptional()
  @Transform(toList)
  @IsIn(USAGE_GROUP_KEYS, { each: true, message: `group_by takes ${USAGE_GROUP_KEYS.join(', ')}` })
  group_by?: UsageGroupKey[];

  @ApiPropertyOptional({ description: "Everyone's usage, grouped by principal (administrators only)" })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  all?: boolean;
}

export class UsageCountsDto {
  @ApiProperty() input_tokens!: number;
  @ApiProperty() output_tokens!: number;
  @ApiProperty({ description: 'Input plus output' }) total_tokens!: number;
  @ApiProperty({ description: 'Turns that reached a model' }) turns!: number;
}

export class UsageGroupDto extends UsageCountsDto {
  @ApiPropertyOptional({ description: 'The model id, when grouped by model' }) model?: string;
  @ApiPropertyOptional({ description: 'The UTC date, when grouped by day' }) day?: string;
  @ApiPropertyOptional({ description: 'The principal, when grouped by principal (only yours without all=true)' })
  principal?: string;
}

export class QuotaDto {
  @ApiProperty({ type: Number, nullable: true, description: 'Input plus output tokens a UTC day; null: no quota' })
  tokens_per_day!: number | null;
  @ApiProperty({ description: 'Input plus output tokens used today (UTC), all models' }) used_today!: number;
  @ApiProperty({ description: 'The next UTC midnight, ISO 8601' }) resets_at!: string;
}

export class UsageReportDto {
  @ApiProperty({ description: 'The caller' }) principal!: string;
  @ApiProperty() from!: string;
  @ApiProperty() to!: string;
  @ApiProperty({ type: UsageCountsDto, description: 'Every group of the range summed (all pages)' })
  total!: UsageCountsDto;
  @ApiProperty({ type: [UsageGroupDto], description: 'Sorted by principal, day, model (as grouped)' })
  groups!: UsageGroupDto[];
  @ApiProperty({ type: QuotaDto, description: "The caller's quota" }) quota!: QuotaDto;
  @ApiProperty({ type: String, nullable: true, description: '`cursor` of the next page; null on the last' })
  next_cursor!: string | null;
}
