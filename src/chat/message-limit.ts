import { AppException } from '../common/errors';
import type { AppConfig } from '../config/app-config';
import { ErrorCode } from '../contract/error-code';
import type { TurnOptionsDto } from './dto/chat.dto';

type MessageLimits = Pick<AppConfig, 'MAX_MESSAGE_CHARS' | 'MAX_ATTACHMENTS'>;

/** Message bounds are configured (MAX_MESSAGE_CHARS, MAX_ATTACHMENTS), so they are checked here rather than by decorator. */
export function assertMessage(field: string, text: string, options: TurnOptionsDto, limits: MessageLimits): void {
  if (text.length > limits.MAX_MESSAGE_CHARS) {
    throw new AppException(
      ErrorCode.VALIDATION_FAILED,
      `${field} has ${text.length} characters; at most ${limits.MAX_MESSAGE_CHARS} are allowed (MAX_MESSAGE_CHARS)`,
    );
  }
  const attached = options.attachments?.length ?? 0;
  if (attached > limits.MAX_ATTACHMENTS) {
    throw new AppException(
      ErrorCode.VALIDATION_FAILED,
      `attachments has ${attached} resources; at most ${limits.MAX_ATTACHMENTS} are allowed (MAX_ATTACHMENTS)`,
    );
  }
}

/** The options a message carries to its turn, without the rest of the request (its session, its words). */
export const turnOptions = ({ replace_last, attachments }: TurnOptionsDto): TurnOptionsDto => ({
  ...(replace_last ? { replace_last } : {}),
  ...(attachments?.length ? { attachments } : {}),
});
