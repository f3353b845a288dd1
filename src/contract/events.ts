import { ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';

import { ErrorCode } from './error-code';
import { SessionStatus } from './session-status';

/**
 * The wire contract: every event a client can receive, declared once. The classes are types for the
 * code and schemas for Swagger; at run time events are plain objects.
 */

export class TokenUsage {
  @ApiProperty() input_tokens!: number;
  @ApiProperty() output_tokens!: number;
  @ApiProperty() total_tokens!: number;
}

export class SessionStartData {
  @ApiProperty({ description: 'When the session was created (ISO 8601)' }) created_at!: string;
  @ApiProperty({ enum: SessionStatus }) status!: SessionStatus;
}

export class ThinkingData {
  @ApiProperty({ description: 'ReAct iteration, from 1' }) iteration!: number;
  @ApiProperty({ description: "The model's text before it acts (may be empty)" }) content!: string;
  @ApiPropertyOptional({ description: 'Reasoning the provider exposed, if any' }) reasoning?: string;
}

export class ToolChoice {
  @ApiProperty() call_id!: string;
  @ApiProperty({ description: 'MCP server that provides the tool' }) server!: string;
  @ApiProperty() tool!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) arguments!: Record<string, unknown>;
}

export class ActingData {
  @ApiProperty() iteration!: number;
  @ApiProperty({ type: [ToolChoice] }) tools!: ToolChoice[];
}

export type ToolCallStatus = 'running' | 'succeeded' | 'failed';

export class ToolProgress {
  @ApiProperty({ description: 'Increases with each notification' }) progress!: number;
  @ApiPropertyOptional({ description: 'Total, when the server knows it' }) total?: number;
  @ApiPropertyOptional() message?: string;
}

export class ToolContent {
  @ApiProperty({
    enum: ['image', 'audio', 'resource', 'resource_link', 'app'],
    description: 'app: the MCP Apps view of the tool (its ui:// resource), to render in a sandboxed iframe',
  })
  type!: 'image' | 'audio' | 'resource' | 'resource_link' | 'app';
  @ApiPropertyOptional() mime_type?: string;
  @ApiPropertyOptional({
    description:
      "GET /api/v3/sessions/:id/artifacts/:artifactId: the file, for the session's owner, until ARTIFACT_TTL_MS; " +
      'for an app, /api/v3/sessions/:id/views/:viewId (POST …/open for its document, …/tools/call for its calls)',
  })
  url?: string;
  @ApiPropertyOptional({ description: 'The resource URI the server gave' }) uri?: string;
  @ApiPropertyOptional() name?: string;
  @ApiPropertyOptional({ description: 'Bytes of a file' }) size?: number;
  @ApiPropertyOptional({ description: 'Why a file or view has no url (larger than ARTIFACT_MAX_BYTES, unreadable)' })
  note?: string;
  @ApiPropertyOptional({ description: 'An app: whether its view asks for a visible border' }) prefers_border?: boolean;
}

export class ToolCallData extends ToolChoice {
  @ApiProperty() iteration!: number;
  @ApiProperty({ enum: ['running', 'succeeded', 'failed'] }) status!: ToolCallStatus;
  @ApiPropertyOptional({ description: 'Text of the result, when succeeded' }) result?: string;
  @ApiPropertyOptional({ description: 'What went wrong, when failed' }) error?: string;
  @ApiPropertyOptional({
    enum: ErrorCode,
    description: 'When failed because the host did not run the call: TOOL_NOT_AVAILABLE (not offered in this turn)',
  })
  code?: ErrorCode;
  @ApiPropertyOptional({ description: 'Wall time of the MCP call, when finished' }) duration_ms?: number;
  @ApiPropertyOptional({ type: ToolProgress, description: "The server's latest progress notification, while running" })
  progress?: ToolProgress;
  @ApiPropertyOptional({
    type: [ToolContent],
    description: 'Files (images, audio, binary resources) and resources of the result, when finished',
  })
  content?: ToolContent[];
}

export class Observation {
  @ApiProperty() call_id!: string;
  @ApiProperty() tool!: string;
  @ApiProperty({ description: 'Exactly what the model receives' }) content!: string;
  @ApiProperty() is_error!: boolean;
}

export class ObservingData {
  @ApiProperty() iteration!: number;
  @ApiProperty({ type: [Observation] }) observations!: Observation[];
}

export class PartialResponseData {
  @ApiProperty() iteration!: number;
  @ApiProperty({ description: 'Token delta of the text the model is writing' }) delta!: string;
}

export class FinalResponseData {
  @ApiProperty() content!: string;
  @ApiProperty({ description: 'ReAct iterations the turn took' }) iterations!: number;
  @ApiProperty({ type: TokenUsage }) usage!: TokenUsage;
  @ApiProperty({ description: 'True when the turn stopped at REACT_MAX_ITERATIONS' }) max_iterations_reached!: boolean;
  @ApiProperty({ description: 'The id of the model that answered (GET /api/v3/models)' }) model!: string;
}

export class ErrorData {
  @ApiProperty({ enum: ErrorCode }) code!: ErrorCode;
  @ApiProperty() message!: string;
  @ApiProperty({ description: 'False only when the session itself is gone' }) session_usable!: boolean;
  @ApiPropertyOptional({ description: 'MCP server concerned, for MCP_SERVER_FAILED' }) server?: string;
}

export type McpServerState = 'restarting' | 'ready' | 'down';

export class McpStatusData {
  @ApiProperty() server!: string;
  @ApiProperty({
    enum: ['restarting', 'ready', 'down'],
    description: 'restarting: it crashed or stopped answering; ready: restarted; down: restarts exhausted',
  })
  state!: McpServerState;
  @ApiPropertyOptional() reason?: string;
  @ApiPropertyOptional({ description: 'Restart attempt, from 1 (0 when the restart begins)' }) attempt?: number;
  @ApiProperty({ type: [String], description: 'Its tools now; the agent sees the change from the next turn' })
  tools!: string[];
}

export type SamplingStatus = 'running' | 'succeeded' | 'failed';

export class SamplingData {
  @ApiProperty() sampling_id!: string;
  @ApiProperty({ description: 'MCP server that asked for the completion' }) server!: string;
  @ApiProperty({ enum: ['running', 'succeeded', 'failed'] }) status!: SamplingStatus;
  @ApiPropertyOptional({ description: "The server's messages as text, when running" }) prompt?: string;
  @ApiPropertyOptional({ description: "The server's system prompt, when running" }) system_prompt?: string;
  @ApiPropertyOptional({ description: 'The completion, when succeeded' }) content?: string;
  @ApiPropertyOptional({ description: 'What went wrong, when failed' }) error?: string;
  @ApiPropertyOptional() duration_ms?: number;
}

export type ElicitationStatus = 'pending' | 'accepted' | 'declined' | 'cancelled' | 'expired';

export class ElicitationData {
  @ApiProperty({ description: 'Answer with elicitation_response (socket.io) or POST .../elicitations/{id}' })
  elicitation_id!: string;
  @ApiProperty() server!: string;
  @ApiProperty({
    enum: ['pending', 'accepted', 'declined', 'cancelled', 'expired'],
    description:
      'pending asks the user; the others say how it ended (expired: declined after MCP_ELICITATION_TIMEOUT_MS)',
  })
  status!: ElicitationStatus;
  @ApiProperty({ description: "The server's question" }) message!: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'JSON Schema of the answer (flat object)' })
  requested_schema!: Record<string, unknown>;
  @ApiPropertyOptional({ description: 'When a pending request is declined unanswered (ISO 8601)' }) expires_at?: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'The answer, when accepted' })
  content?: Record<string, unknown>;
}

export type ApprovalStatus = 'pending' | 'approved' | 'denied' | 'expired';

export class ApprovalData {
  @ApiProperty({ description: 'Answer with approval_response (socket.io) or POST .../approvals/{id}' })
  approval_id!: string;
  @ApiProperty({ description: 'The tool call waiting for it (as in tool_call)' }) call_id!: string;
  @ApiProperty() server!: string;
  @ApiProperty() tool!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) arguments!: Record<string, unknown>;
  @ApiProperty({
    enum: ['pending', 'approved', 'denied', 'expired'],
    description:
      'pending asks the user; expired: unanswered after APPROVAL_TIMEOUT_MS, or the turn was cancelled. ' +
      'A denied or expired call reaches the model as an error result, and the turn goes on.',
  })
  status!: ApprovalStatus;
  @ApiProperty({ description: 'When a pending approval expires unanswered (ISO 8601)' }) expires_at!: string;
  @ApiPropertyOptional({ description: "The user's reason, when they gave one" }) reason?: string;
}

export type SessionEndReason = 'deleted' | 'expired' | 'shutdown';

export class SessionEndData {
  @ApiProperty({ enum: ['deleted', 'expired', 'shutdown'] }) reason!: SessionEndReason;
}

export class StatusData {
  @ApiProperty({ enum: SessionStatus }) status!: SessionStatus;
}

/** Type name to payload; `status` is streamed like the others so every transport carries it. */
export interface EventDataMap {
  session_start: SessionStartData;
  thinking: ThinkingData;
  acting: ActingData;
  tool_call: ToolCallData;
  observing: ObservingData;
  partial_response: PartialResponseData;
  final_response: FinalResponseData;
  error: ErrorData;
  session_end: SessionEndData;
  status: StatusData;
  mcp_status: McpStatusData;
  sampling: SamplingData;
  elicitation: ElicitationData;
  approval: ApprovalData;
}

export type EventType = keyof EventDataMap;

export interface StreamEventOf<K extends EventType> {
  /** Increases by one within a session; SSE `id:` and Last-Event-ID use it. */
  id: number;
  type: K;
  session_id: string;
  /** Null for events outside a turn (session_start, session_end, status between turns). */
  turn_id: string | null;
  /** ISO 8601 time the event was published. */
  ts: string;
  data: EventDataMap[K];
}

export type StreamEvent = { [K in EventType]: StreamEventOf<K> }[EventType];

/** An event before the log numbers it. */
export type NewStreamEvent = { [K in EventType]: Omit<StreamEventOf<K>, 'id'> }[EventType];

export const EVENT_DATA_CLASSES: Record<EventType, new () => object> = {
  session_start: SessionStartData,
  thinking: ThinkingData,
  acting: ActingData,
  tool_call: ToolCallData,
  observing: ObservingData,
  partial_response: PartialResponseData,
  final_response: FinalResponseData,
  error: ErrorData,
  session_end: SessionEndData,
  status: StatusData,
  mcp_status: McpStatusData,
  sampling: SamplingData,
  elicitation: ElicitationData,
  approval: ApprovalData,
};

/** Every event type, in the order of the map: the runtime list clients subscribe by (GET /pmc/contract.js). */
export const EVENT_TYPES = Object.keys(EVENT_DATA_CLASSES) as EventType[];

/** The envelope, for Swagger. */
export class StreamEventDto {
  @ApiProperty() id!: number;
  @ApiProperty({ enum: EVENT_TYPES }) type!: EventType;
  @ApiProperty() session_id!: string;
  @ApiProperty({ type: String, nullable: true }) turn_id!: string | null;
  @ApiProperty() ts!: string;
  @ApiProperty({ oneOf: Object.values(EVENT_DATA_CLASSES).map((cls) => ({ $ref: getSchemaPath(cls) })) })
  data!: EventDataMap[EventType];
}
