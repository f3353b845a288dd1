import type { Tool } from '@modelcontextprotocol/client';

import { CompiledSchemas } from './mcp-schema-validator';

describe(CompiledSchemas.name, () => {
  const schema = () => ({ type: 'object' as const, properties: { n: { type: 'number' } }, required: ['n'] });

  it('should compile a schema once, whichever object carries it, and validate with it', () => {
    const schemas = new CompiledSchemas();
    const first = schemas.getValidator(schema());
    expect(schemas.getValidator(schema())).toBe(first);
    expect(first({ n: 1 })).toMatchObject({ valid: true });
    expect(first({ n: 'one' })).toMatchObject({ valid: false, errorMessage: expect.stringContaining('number') });
  });

  it("should compile a listing's output schemas ahead of its calls, passing over one that does not compile", () => {
    const schemas = new CompiledSchemas();
    const tools = [
      { name: 'a', inputSchema: { type: 'object' }, outputSchema: schema() },
      {
        name: 'b',
        inputSchema: { type: 'object' },
        outputSchema: { type: 'object', properties: { x: { type: 'nope' } } },
      },
      { name: 'c', inputSchema: { type: 'object' } },
    ] as Tool[];
    expect(() => schemas.precompile(tools)).not.toThrow();
    const compiled = schemas.getValidator(schema());
    expect(schemas.getValidator(tools[0].outputSchema!)).toBe(compiled);
  });
});
