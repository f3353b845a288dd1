import { ApiProperty } from '@nestjs/swagger';

import { StreamEventDto } from '../../sessions/events';
import { SessionStatus } from '../../sessions/events';
import { ChatMessage } from '../../sessions/store/session-record';

export class AcceptedTurnDto {
  @ApiProperty() session_id!: string;
  @ApiProperty({ description: 'Carried by every event of the turn' }) turn_id!: string;
}

export class ChatResponseDto extends AcceptedTurnDto {
  @ApiProperty({ description: 'The final answer' }) response!: string;
  @ApiProperty({ type: [StreamEventDto], description: 'thinking, acting, tool_call and observing events, in order' })
  steps!: StreamEventDto[];
}

export class JoinAckDto {
  @ApiProperty() session_id!: string;
  @ApiProperty({ enum: SessionStatus }) status!: SessionStatus;
  @ApiProperty({ type: [ChatMessage], description: 'The latest messages, oldest first' }) messages!: ChatMessage[];
  @ApiProperty({ type: Number, nullable: true, description: '`before` for GET …/messages; null when all are here' })
  next_before!: number | null;
}

export class ConnectionsDto {
  @ApiProperty({ description: 'Open socket.io connections on /chat' }) socketio!: number;
  @ApiProperty({ description: 'Open SSE streams' }) sse!: number;
  @ApiProperty() sse_max!: number;
  @ApiProperty() total!: number;
}
