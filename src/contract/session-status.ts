/** Where a session stands, as its `status` events and records say. */
export enum SessionStatus {
  IDLE = 'IDLE',
  STARTING = 'STARTING',
  READY = 'READY',
  PROCESSING = 'PROCESSING',
  ERROR = 'ERROR',
}
