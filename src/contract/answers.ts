/** What a session's owner answers to an `approval` event. */
export interface ApprovalAnswer {
  approved: boolean;
  reason?: string;
}

/** What a session's owner answers to an `elicitation` event. */
export interface ElicitationAnswer {
  action: 'accept' | 'decline' | 'cancel';
  content?: Record<string, unknown>;
}
