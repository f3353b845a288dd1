/** The socket.io events a client may emit on /chat, declared once for the gateway and its guard. */
export const ClientEvent = {
  JOIN_CHAT: 'join_chat',
  CHAT_MESSAGE: 'chat_message',
  LEAVE_CHAT: 'leave_chat',
  CANCEL: 'cancel',
  ELICITATION_RESPONSE: 'elicitation_response',
  APPROVAL_RESPONSE: 'approval_response',
} as const;

export type ClientEventName = (typeof ClientEvent)[keyof typeof ClientEvent];

export const CLIENT_EVENTS: ReadonlySet<string> = new Set(Object.values(ClientEvent));
