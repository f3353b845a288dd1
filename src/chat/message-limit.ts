import { AppException, ErrorCode } from '../common/errors';

/** Message length is configured (MAX_MESSAGE_CHARS), so it is checked here rather than by decorator. */
export function assertMessageLength(field: string, text: string, max: number): void {
  if (text.length > max) {
    throw new AppException(
      ErrorCode.VALIDATION_FAILED,
      `${field} has ${text.length} characters; at most ${max} are allowed (MAX_MESSAGE_CHARS)`,
    );
  }
}
