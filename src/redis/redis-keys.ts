/**
 * Every Redis key and channel name, built in one place. A session's keys share the hash tag
 * `{<session id>}`, so the scripts that touch several of them also run on Redis Cluster; the
 * cluster-wide indexes are separate keys, updated beside (not inside) those scripts.
 */
export interface RedisKeys {
  /** HASH owner, created_at, last_active_at, turns, status, title, running_id, running (the turn under way, JSON). */
  session(id: string): string;
  /** LIST of the history, one JSON message per entry, appended only. */
  messages(id: string): string;
  /** LIST of the turns waiting behind the running one, JSON, oldest first. */
  queue(id: string): string;
  /**
   * STRING: id of the node that holds the session (the fence every write of a turn checks). It lasts
   * as long as the session's keys; whether its holder is alive is the holder's heartbeat.
   */
  lease(id: string): string;
  /** STREAM of the session's events, entry id 0-<event id>, field `e` = the event's JSON. */
  events(id: string): string;
  /** STRING: the last event id handed out (INCR). */
  eventSeq(id: string): string;
  /** STRING: the session_start event, kept while the session lives (the stream is trimmed). */
  eventHead(id: string): string;
  /** Channel the session's events are published on as they are appended. */
  eventsChannel(id: string): string;
  /** ZSET session id by created_at: listing and the cluster-wide count. */
  sessionsByCreation(): string;
  /** ZSET session id by created_at, of one owner: their listing and their count. */
  sessionsOf(owner: string): string;
  /** ZSET session id by last activity: the idle sweep. */
  sessionsByActivity(): string;
  /** STRING with an expiry of TURN_LEASE_MS, set again at each heartbeat: the node is alive while it exists. */
  nodeAlive(node: string): string;
  /** ZSET node id by heartbeat deadline (0 once it left): where nodes look for a holder that died. */
  nodeHeartbeats(): string;
  /** SET of the sessions a node holds (or held when it died or left): what is taken over from it. */
  nodeSessions(node: string): string;
  /** HASH node id to its latest stats (JSON), for cluster totals. */
  nodes(): string;
  /** STRING: which node runs this period's idle sweep. */
  sweepLock(): string;
  /** Prefix of the rate limiter's counters (rate-limiter-flexible adds the client address). */
  rateLimit(): string;
  /**
   * OAuth state of remote MCP servers (see mcp/oauth/): `client:<server>`, `discovery:<server>`,
   * `tokens:<server>:<principal>`, `flow:<state>`, `pending:<server>:<principal>`, `lock:…`.
   */
  oauth(key: string): string;
  /** HASH owner, mime_type, name, data (the bytes), view (JSON, for an MCP Apps view) of a tool result's artifact, with an expiry of ARTIFACT_TTL_MS. */
  artifact(sessionId: string, id: string): string;
  /** STRING: the session and artifact a view ticket opens (JSON), deleted on first use (GETDEL), with a short expiry. */
  viewTicket(ticket: string): string;
  /** Channel a node listens on for signals (run, cancel, end, elicitation answers, replies). */
  nodeChannel(node: string): string;
  /**
   * HASH of one principal's tokens on one UTC day: `<model>:i`, `<model>:o`, `<model>:n` (input,
   * output, turns), expiring USAGE_RETENTION_DAYS after the day; hash tag: the principal.
   */
  usage(principal: string, day: string): string;
  /** SET of the principals with usage on a UTC day (administrators' listings), expiring with the day's hashes. */
  usagePrincipals(day: string): string;
  /** HASH of a principal's own MCP servers: name → JSON (header values sealed); hash tag: the principal. */
  userServers(principal: string): string;
}

export function redisKeys(prefix: string): RedisKeys {
  const tagged = (id: string, kind: string) => `${prefix}{${id}}:${kind}`;
  return {
    session: (id) => tagged(id, 'session'),
    messages: (id) => tagged(id, 'messages'),
    queue: (id) => tagged(id, 'queue'),
    lease: (id) => tagged(id, 'lease'),
    events: (id) => tagged(id, 'events'),
    eventSeq: (id) => tagged(id, 'event-seq'),
    eventHead: (id) => tagged(id, 'event-head'),
    eventsChannel: (id) => tagged(id, 'live'),
    sessionsByCreation: () => `${prefix}sessions:by-creation`,
    // The owner comes last, so any principal id (colons included) names its own key.
    sessionsOf: (owner) => `${prefix}sessions:by-owner:${owner}`,
    sessionsByActivity: () => `${prefix}sessions:by-activity`,
    nodeAlive: (node) => `${prefix}node-alive:${node}`,
    nodeHeartbeats: () => `${prefix}node-heartbeats`,
    nodeSessions: (node) => `${prefix}node-sessions:${node}`,
    nodes: () => `${prefix}nodes`,
    sweepLock: () => `${prefix}sweep-lock`,
    rateLimit: () => `${prefix}rate`,
    oauth: (key) => `${prefix}oauth:${key}`,
    artifact: (sessionId, id) => tagged(sessionId, `artifact:${id}`),
    viewTicket: (ticket) => `${prefix}view-ticket:${ticket}`,
    nodeChannel: (node) => `${prefix}node:${node}`,
    // The day comes last, so any principal id (braces and colons included) names its own key.
    usage: (principal, day) => `${prefix}usage:{${principal}}:${day}`,
    usagePrincipals: (day) => `${prefix}usage-principals:${day}`,
    userServers: (principal) => `${prefix}user-servers:{${principal}}`,
  };
}
