import { toolInfo, toToolResult } from './mcp-tool';

describe(toolInfo.name, () => {
  const schema = { type: 'object' as const };

  it("should list a tool's title, hints and icons, the title taken from its annotations when it has none", () => {
    const icon = { src: 'https://example.com/tool.png', mimeType: 'image/png', sizes: ['48x48'] };
    expect(
      toolInfo({ name: 't', inputSchema: schema, annotations: { title: 'Hinted', readOnlyHint: true }, icons: [icon] }),
    ).toEqual({
      name: 't',
      description: '',
      title: 'Hinted',
      icons: [{ src: icon.src, mime_type: 'image/png', sizes: ['48x48'] }],
      annotations: { title: 'Hinted', readOnlyHint: true },
    });
    expect(toolInfo({ name: 't', title: 'Own', description: 'd', inputSchema: schema })).toEqual({
      name: 't',
      description: 'd',
      title: 'Own',
    });
  });

  it('should keep at most three icons, each a web URL or a small data:image URI', () => {
    const icons = [
      { src: 'javascript:alert(1)' },
      { src: `data:image/png;base64,${'A'.repeat(20_000)}` },
      { src: 'data:image/svg+xml;base64,PHN2Zy8+' },
      { src: 'https://a.example/1.png' },
      { src: 'https://a.example/2.png' },
      { src: 'https://a.example/3.png' },
    ];
    expect(toolInfo({ name: 't', inputSchema: schema, icons }).icons?.map((icon) => icon.src)).toEqual([
      'data:image/svg+xml;base64,PHN2Zy8+',
      'https://a.example/1.png',
      'https://a.example/2.png',
    ]);
  });
});

describe(toToolResult.name, () => {
  it('should give the model structuredContent as JSON, beside text that is not that JSON already', () => {
    const structuredContent = { count: 3, unit: 'apples' };
    expect(toToolResult({ content: [], structuredContent })).toEqual({
      content: '{"count":3,"unit":"apples"}',
      is_error: false,
    });
    expect(toToolResult({ content: [{ type: 'text', text: 'Three apples.' }], structuredContent })).toEqual({
      content: 'Three apples.\n{"count":3,"unit":"apples"}',
      is_error: false,
    });
    // A file server's text and {content: <the text>}: the text says it all.
    expect(
      toToolResult({ content: [{ type: 'text', text: 'hello' }], structuredContent: { content: 'hello' } }).content,
    ).toBe('hello');
    // Servers often repeat it as text for older clients: once is enough.
    const repeated = JSON.stringify(structuredContent, null, 2);
    expect(toToolResult({ content: [{ type: 'text', text: repeated }], structuredContent }).content).toBe(repeated);
  });

  it('should mark each file where it was, and hand the files and resources on beside the text', () => {
    const result = toToolResult({
      content: [
        { type: 'text', text: 'Here:' },
        { type: 'image', data: 'iVBOR', mimeType: 'image/png' },
        { type: 'audio', data: 'UklG', mimeType: 'audio/wav' },
        { type: 'resource', resource: { uri: 'file:///notes.txt', mimeType: 'text/plain', text: 'the notes' } },
        { type: 'resource', resource: { uri: 'file:///data.bin', blob: 'AAEC' } },
        { type: 'resource_link', uri: 'https://example.com/report', name: 'report' },
      ],
    });
    expect(result).toEqual({
      content: [
        'Here:',
        '[image 1: image/png]',
        '[audio 2: audio/wav]',
        'the notes',
        '[resource 3: file:///data.bin (application/octet-stream)]',
        '[resource link https://example.com/report (report)]',
      ].join('\n'),
      is_error: false,
      media: [
        { type: 'image', mime_type: 'image/png', data: 'iVBOR' },
        { type: 'audio', mime_type: 'audio/wav', data: 'UklG' },
        { type: 'resource', mime_type: 'application/octet-stream', data: 'AAEC', uri: 'file:///data.bin' },
      ],
      links: [
        { type: 'resource', uri: 'file:///notes.txt', mime_type: 'text/plain' },
        { type: 'resource_link', uri: 'https://example.com/report', name: 'report' },
      ],
    });
  });
});
