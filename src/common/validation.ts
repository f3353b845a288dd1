import { applyDecorators, Injectable, ValidationPipe } from '@nestjs/common';
import type { ArgumentMetadata, PipeTransform, ValidationError } from '@nestjs/common';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';

import type { AppConfig } from '../config/app-config';
import { ErrorCode } from '../contract/error-code';
import { AppException } from './errors';
import { jsonExcess } from './json-shape';
import type { JsonLimits } from './json-shape';

function describe(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((error) => {
    const path = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((text) => text.replace(error.property, path));
    return [...own, ...describe(error.children ?? [], path)];
  });
}

/**
 * The global validation pipe, which first bounds the shape of the input: class-transformer recurses
 * once per level of nesting, so a deep enough body would overflow the stack before any rule ran.
 */
class BoundedValidationPipe extends ValidationPipe {
  constructor(private readonly limits: JsonLimits) {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      exceptionFactory: (errors) => new AppException(ErrorCode.VALIDATION_FAILED, describe(errors).join('; ')),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.metatype && this.toValidate(metadata)) {
      const excess = jsonExcess(value, this.limits);
      if (excess) {
        throw new AppException(
          ErrorCode.VALIDATION_FAILED,
          `The ${metadata.type === 'query' ? 'query' : 'payload'} ${excess}`,
        );
      }
    }
    return super.transform(value, metadata);
  }
}

/** One pipe for HTTP bodies and socket.io payloads: errors name the field and carry VALIDATION_FAILED. */
export const createValidationPipe = (config: AppConfig): ValidationPipe =>
  new BoundedValidationPipe({ maxDepth: config.JSON_MAX_DEPTH, maxEntries: config.JSON_MAX_ENTRIES });

// Longer than any id this server issues; the bound keeps junk out of logs and lookups.
const ID_MAX_LENGTH = 128;

/** A session, turn or elicitation id in a request: a non-empty string of bounded length. */
export const IsId = (): PropertyDecorator => applyDecorators(IsString(), IsNotEmpty(), MaxLength(ID_MAX_LENGTH));

/** The same bound for an id in a path (`@Param('id', ParseIdPipe)`): an id this long is no id of ours. */
@Injectable()
export class ParseIdPipe implements PipeTransform<string, string> {
  transform(value: string, metadata: ArgumentMetadata): string {
    if (value.length === 0 || value.length > ID_MAX_LENGTH) {
      throw new AppException(
        ErrorCode.VALIDATION_FAILED,
        `${metadata.data ?? 'id'} must be 1 to ${ID_MAX_LENGTH} characters long (it has ${value.length})`,
      );
    }
    return value;
  }
}
