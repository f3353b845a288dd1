/** What a sandboxed server's connection learns from its sandbox (mcp/sandbox). */
export interface SandboxWatch {
  /** The limit that ended the process, with its setting ("memory limit (MCP_SANDBOX_MEMORY_MB = 128)"), once it has. */
  endedBy(): string | undefined;
  /** A tool's error text, with the limit named when one explains it (a write past the file size, a failed fork). */
  explain(text: string): string;
}
