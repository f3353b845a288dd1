import type { ReadResourceResult, Tool } from '@modelcontextprotocol/client';

import { forModel, forViews, toolUi, UI_MIME_TYPE, viewPolicy, viewResource } from './mcp-apps';

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

  it('should take the visibility of a tool without a view, and no view where the URI is not a ui:// one', () => {
    expect(toolUi(tool({ ui: { visibility: ['model'] } }))).toEqual({ visibility: ['model'] });
    expect(toolUi(tool({ ui: { resourceUri: 'https://example.com/view.html', visibility: ['app'] } }))).toEqual({
      visibility: ['app'],
    });
    expect(toolUi(tool())).toBeUndefined();
    expect(toolUi(tool({ ui: { visibility: 'app' } }))).toBeUndefined();
  });

  it('should offer the model and the views what the visibility names, both by default', () => {
    expect([forModel(tool()), forViews(tool())]).toEqual([true, true]);
    expect([forModel(tool({ ui: { visibility: ['app'] } })), forViews(tool({ ui: { visibility: ['app'] } }))]).toEqual([
      false,
      true,
    ]);
    expect(forViews(tool({ ui: { resourceUri: 'ui://a', visibility: ['model'] } }))).toBe(false);
  });
});

describe(viewResource.name, () => {
  const read = (meta?: Record<string, unknown>, mimeType = UI_MIME_TYPE): ReadResourceResult => ({
    contents: [{ uri: 'ui://a/view.html', mimeType, text: '<p>view</p>', _meta: meta }],
  });

  it('should take the HTML, the declared origins, permissions and border of the view', () => {
    const csp = {
      connectDomains: ['https://api.example.com', 'wss://live.example.com:8443'],
      resourceDomains: ['https://*.cdn.example.com'],
      frameDomains: ['https://www.youtube.com'],
    };
    const permissions = { camera: {}, clipboardWrite: {}, teleport: {} };
    expect(viewResource('ui://a/view.html', read({ ui: { csp, permissions, prefersBorder: false } }))).toEqual({
      uri: 'ui://a/view.html',
      html: '<p>view</p>',
      csp: {
        connect_domains: ['https://api.example.com', 'wss://live.example.com:8443'],
        resource_domains: ['https://*.cdn.example.com'],
        frame_domains: ['https://www.youtube.com'],
        base_uri_domains: [],
      },
      permissions: ['camera', 'clipboard-write'],
      prefers_border: false,
      refused: [],
    });
  });

  it('should refuse sources that are not plain origins, so none can widen the policy', () => {
    const hostile = [
      "'unsafe-eval'",
      '*',
      'https://a.example.com; script-src *',
      'data:',
      'javascript:alert(1)',
      'https://ok.example.com',
    ];
    const view = viewResource('ui://a/view.html', read({ ui: { csp: { resourceDomains: hostile } } }))!;
    expect(view.csp.resource_domains).toEqual(['https://ok.example.com']);
    expect(view.refused).toEqual(hostile.slice(0, 5));
  });

  it('should find no view in a result without HTML of the MCP Apps type at that URI', () => {
    expect(viewResource('ui://a/view.html', read(undefined, 'text/html'))).toBeUndefined();
    expect(viewResource('ui://b/view.html', read())).toBeUndefined();
    expect(viewResource('ui://a/view.html', read(undefined, 'text/html; profile=mcp-app'))?.html).toBe('<p>view</p>');
  });
});

describe(viewPolicy.name, () => {
  it('should sandbox the view and allow the network only where its server declared it', () => {
    const policy = viewPolicy({
      connect_domains: ['https://api.example.com'],
      resource_domains: ['https://cdn.example.com'],
      frame_domains: [],
      base_uri_domains: [],
    });
    expect(policy.split('; ')).toEqual([
      'sandbox allow-scripts',
      "default-src 'none'",
      "script-src 'unsafe-inline' https://cdn.example.com",
      "style-src 'unsafe-inline' https://cdn.example.com",
      'img-src data: blob: https://cdn.example.com',
      'font-src data: https://cdn.example.com',
      'media-src data: blob: https://cdn.example.com',
      'connect-src https://api.example.com',
      "frame-src 'none'",
      "base-uri 'none'",
      "form-action 'none'",
      "object-src 'none'",
      "frame-ancestors 'self'",
    ]);
  });
});
