import type { Tool } from '@modelcontextprotocol/client';

import { forModel, toolUi } from './mcp-apps';

const tool = (meta?: Record<string, unknown>): Tool => ({ name: 't', inputSchema: { type: 'object' }, _meta: meta });

describe(toolUi.name, () => {
  it("should read a tool's view from either key, for both callers unless it says otherwise", () => {
    expect(toolUi(tool({ ui: { resourceUri: 'ui://a/view.html' } }))).toEqual({
      resource_uri: 'ui://a/view.html',
      visibility: ['model', 'app'],
    });
    expect(toolUi(tool({ 'ui/resourceUri': 'ui://a/old.html' }))?.resource_uri).toBe('ui://a/old.html');
    expect(toolUi(tool({ ui: { resourceUri: 'ui://a', visibility: ['app', 'elsewhere'] } }))?.visibility).toEqual([
      'app',
    ]);
  });

  it('should see no view where the URI is not a ui:// one, and offer the model every tool without a view', () => {
    expect(toolUi(tool({ ui: { resourceUri: 'https://example.com/view.html', visibility: ['app'] } }))).toBeUndefined();
    expect(toolUi(tool())).toBeUndefined();
    expect(forModel(tool({ ui: { resourceUri: 'https://example.com', visibility: ['app'] } }))).toBe(true);
    expect(forModel(tool({ ui: { resourceUri: 'ui://a', visibility: ['app'] } }))).toBe(false);
    expect(forModel(tool({ ui: { resourceUri: 'ui://a', visibility: ['model'] } }))).toBe(true);
  });
});
