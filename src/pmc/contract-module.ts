import { ClientEvent } from '../contract/client-events';
import { ErrorCode } from '../contract/error-code';
import { EVENT_TYPES } from '../contract/events';

/** The wire contract's lists, as the page imports them: what src/contract/ declares, nothing restated. */
export const CONTRACT_LISTS = {
  /** Every event type the server streams (socket.io event names, SSE `event:` names). */
  EVENT_TYPES,
  /** Every error code a client can see. */
  ERROR_CODES: Object.values(ErrorCode),
  /** What a client may emit on socket.io /chat. */
  CLIENT_EVENTS: Object.values(ClientEvent),
};

/** GET /pmc/contract.js: an ES module built from the lists above when the app starts; never a file under public/. */
export function contractModule(): string {
  const declarations = Object.entries(CONTRACT_LISTS).map(
    ([name, list]) => `export const ${name} = Object.freeze(${JSON.stringify(list)});`,
  );
  return ['// The wire contract, served by the server from src/contract/.', ...declarations, ''].join('\n');
}
