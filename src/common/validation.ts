import { applyDecorators, ValidationPipe } from '@nestjs/common';
import type { ValidationError } from '@nestjs/common';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';

import { AppException, ErrorCode } from './errors';

function describe(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((error) => {
    const path = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((text) => text.replace(error.property, path));
    return [...own, ...describe(error.children ?? [], path)];
  });
}

/** One pipe for HTTP bodies and socket.io payloads: errors name the field and carry VALIDATION_FAILED. */
export const createValidationPipe = (): ValidationPipe =>
  new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) => new AppException(ErrorCode.VALIDATION_FAILED, describe(errors).join('; ')),
  });

// Longer than any id this server issues; the bound keeps junk out of logs and lookups.
const ID_MAX_LENGTH = 128;

/** A session, turn or elicitation id in a request: a non-empty string of bounded length. */
export const IsId = (): PropertyDecorator => applyDecorators(IsString(), IsNotEmpty(), MaxLength(ID_MAX_LENGTH));
