import { ApiProperty, IntersectionType, PickType } from '@nestjs/swagger';

import { StreamEventDto, TokenUsage } from '../../contract/events';
import { SessionDto, SessionHistoryDto } from '../../sessions/dto/session.dto';

export class AcceptedTurnDto {
  @ApiProperty() session_id!: string;
  @ApiProperty({ description: 'Carried by every event of the turn' }) turn_id!: string;
}

export class ChatResponseDto extends AcceptedTurnDto {
  @ApiProperty({ description: 'The final answer' }) response!: string;
  @ApiProperty({ description: 'The id of the model that answered' }) model!: string;
  @ApiProperty({ type: TokenUsage, description: "The turn's tokens, as the provider counted them" }) usage!: TokenUsage;
  @ApiProperty({ type: [StreamEventDto], description: 'thinking, acting, tool_call and observing events, in order' })
  steps!: StreamEventDto[];
}

export class JoinAckDto extends IntersectionType(
  PickType(SessionDto, ['session_id', 'status', 'title', 'disabled_tools', 'model'] as const),
  SessionHistoryDto,
) {}

export class ClusterConnectionsDto {
  @ApiProperty({ description: 'Live nodes (this one included)' }) nodes!: number;
  @ApiProperty() socketio!: number;
  @ApiProperty() sse!: number;
  @ApiProperty() total!: number;
}

export class ConnectionsDto {
  @ApiProperty({ description: 'The node that answered; the counts beside it are its own' }) node!: string;
  @ApiProperty({ description: 'Open socket.io connections on /chat' }) socketio!: number;
  @ApiProperty({ description: 'Open SSE streams' }) sse!: number;
  @ApiProperty({ description: 'SSE_MAX_CONNECTIONS, per node' }) sse_max!: number;
  @ApiProperty() total!: number;
  @ApiProperty({
    type: ClusterConnectionsDto,
    description: "Every node's counts, from reports at most TURN_LEASE_MS/3 old",
  })
  cluster!: ClusterConnectionsDto;
}
