import type { JsonSchemaType, JsonSchemaValidator, jsonSchemaValidator, Tool } from '@modelcontextprotocol/client';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/client/validators/ajv';

// Distinct schemas kept compiled: each configured server's tools, many times over.
const MAX_SCHEMAS = 2000;

/**
 * The SDK's Ajv validator, with each distinct schema compiled once for the whole process: every
 * session's client of a server sees the same output schemas. The SDK compiles a client's output
 * validators on its first tools/call; `precompile` does it when the tools are listed instead (for
 * a pre-started client, before any turn), so no turn waits for it.
 */
export class CompiledSchemas implements jsonSchemaValidator {
  private readonly ajv = new AjvJsonSchemaValidator();
  private readonly compiled = new Map<string, JsonSchemaValidator<unknown>>();
  /** The same schema object asked for again (a client's listed tool): no serializing. */
  private readonly seen = new WeakMap<object, JsonSchemaValidator<unknown>>();

  getValidator<T>(schema: JsonSchemaType): JsonSchemaValidator<T> {
    const known = this.seen.get(schema);
    if (known) {
      return known as JsonSchemaValidator<T>;
    }
    const key = JSON.stringify(schema);
    let validator = this.compiled.get(key);
    if (!validator) {
      validator = this.ajv.getValidator<unknown>(schema);
      if (this.compiled.size >= MAX_SCHEMAS) {
        // The oldest goes (Map keeps insertion order); it is compiled again if needed.
        this.compiled.delete(this.compiled.keys().next().value!);
      }
      this.compiled.set(key, validator);
    }
    this.seen.set(schema, validator);
    return validator as JsonSchemaValidator<T>;
  }

  precompile(tools: readonly Tool[]): void {
    for (const tool of tools) {
      if (tool.outputSchema) {
        try {
          this.getValidator(tool.outputSchema as JsonSchemaType);
        } catch {
          // A schema Ajv cannot compile: the SDK reports it on the tool's first call.
        }
      }
    }
  }
}

/** One for every client: the SDK would otherwise build an Ajv instance (about 80 KB) per connection. */
export const SCHEMA_VALIDATOR = new CompiledSchemas();
