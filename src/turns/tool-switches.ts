import type { McpTool } from '../mcp/client/mcp-tool';

/** Whether a session's switches ("server" or "server/tool" in its disabled_tools) turn this tool off. */
export const isSwitchedOff = (disabled: readonly string[], server: string, tool: string): boolean =>
  disabled.includes(server) || disabled.includes(`${server}/${tool}`);

// The tools left on, per tool set and switches: the agent caches a tool set's definitions by
// identity, so the same switches on the same set give back the same array.
const switchedSets = new WeakMap<readonly McpTool[], { key: string; tools: readonly McpTool[] }>();

/** The session's tools less those its owner switched off: what a turn offers the model, and all it may call. */
export function switchedOn(tools: readonly McpTool[], disabled: readonly string[]): readonly McpTool[] {
  if (disabled.length === 0) {
    return tools;
  }
  const key = JSON.stringify(disabled);
  const cached = switchedSets.get(tools);
  if (cached?.key === key) {
    return cached.tools;
  }
  const on = tools.filter((tool) => !isSwitchedOff(disabled, tool.server, tool.tool));
  switchedSets.set(tools, { key, tools: on });
  return on;
}
