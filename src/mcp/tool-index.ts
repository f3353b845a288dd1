import { needsApproval, visibleTools } from './client/mcp-tool';
import type { McpTool } from './client/mcp-tool';
import type { SupervisedClient } from './client/supervised-client';
import { forModel, toolUi } from './extensions/mcp-apps';

/** A tool the agent may call, and the client that calls it. */
export interface IndexedTool {
  client: SupervisedClient;
  tool: McpTool;
}

/**
 * The tools the model sees, from every ready client, by model-facing name: the MCP name, or
 * "server__tool" where two servers share a name.
 */
export function indexTools(clients: Iterable<SupervisedClient>): Map<string, IndexedTool> {
  const all = [...clients]
    .filter((client) => client.status === 'ready')
    .flatMap((client) =>
      visibleTools(client.config, client.tools)
        .filter(forModel)
        .map((tool) => ({ client, tool })),
    );
  const counts = new Map<string, number>();
  for (const { tool } of all) {
    counts.set(tool.name, (counts.get(tool.name) ?? 0) + 1);
  }
  return new Map(
    all.map(({ client, tool }) => {
      const raw = counts.get(tool.name) === 1 ? tool.name : `${client.name}__${tool.name}`;
      const name = raw.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64);
      const view = toolUi(tool)?.resource_uri;
      const entry: McpTool = {
        name,
        server: client.name,
        tool: tool.name,
        ...(view ? { view } : {}),
        description: tool.description ?? '',
        input_schema: tool.inputSchema as Record<string, unknown>,
        needs_approval: needsApproval(client.config, tool),
      };
      return [name, { client, tool: entry }];
    }),
  );
}
