import { ChatAnthropic } from '@langchain/anthropic';
import { AIMessage, HumanMessage, ToolMessage } from '@langchain/core/messages';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { ToolMedia } from '../mcp/client/mcp-tool';
import { imagesForModel, withToolImages } from './tool-images';

const PNG: ToolMedia = { type: 'image', mime_type: 'image/png', data: Buffer.alloc(30, 1).toString('base64') };
const AUDIO: ToolMedia = { type: 'audio', mime_type: 'audio/wav', data: 'AAAA' };

const step = () => [
  new ToolMessage({ content: 'chart:\n[image 1: image/png]', tool_call_id: 'call_1', name: 'plot' }),
  new ToolMessage({ content: 'no image', tool_call_id: 'call_2', name: 'echo' }),
];
const shown = [
  { call_id: 'call_1', tool: 'plot', images: [PNG] },
  { call_id: 'call_2', tool: 'echo', images: [] },
];

describe('tool images for the model', () => {
  it('should show images within TOOL_IMAGE_MAX_BYTES, and none at 0; never audio', () => {
    expect(imagesForModel([PNG, AUDIO], 30)).toEqual([PNG]);
    expect(imagesForModel([PNG], 29)).toEqual([]);
    expect(imagesForModel([PNG], 0)).toEqual([]);
    const imageResource: ToolMedia = { ...PNG, type: 'resource', uri: 'file:///a.png' };
    expect(imagesForModel([imageResource], 100)).toEqual([imageResource]);
  });

  it('should follow the results with one user message of image_url parts for OpenAI-compatible servers', () => {
    const messages = withToolImages('openai', step(), shown);
    expect(messages).toHaveLength(3);
    expect(messages[2]).toBeInstanceOf(HumanMessage);
    expect(messages[2].content).toEqual([
      { type: 'text', text: 'The images "plot" returned (call call_1), in order:' },
      { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG.data}` } },
    ]);
  });

  it('should leave the results alone when no image is shown', () => {
    const results = step();
    expect(withToolImages('openai', results, [{ call_id: 'call_1', tool: 'plot', images: [] }])).toBe(results);
  });

  describe('Anthropic', () => {
    let server: Server;
    let requests: Array<{ messages: Array<{ role: string; content: unknown }> }>;

    beforeAll(async () => {
      requests = [];
      // Stands in for the Messages API: records the request, answers an error.
      server = createServer((req, res) => {
        let body = '';
        req.on('data', (chunk: Buffer) => (body += chunk.toString()));
        req.on('end', () => {
          requests.push(JSON.parse(body) as (typeof requests)[number]);
          res.writeHead(400, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ type: 'error', error: { type: 'invalid_request_error', message: 'recorded' } }));
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    });

    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('should put the image inside its tool result, as an image block the Messages API takes', async () => {
      const { port } = server.address() as AddressInfo;
      const model = new ChatAnthropic({
        model: 'claude-test',
        apiKey: 'test-key',
        anthropicApiUrl: `http://127.0.0.1:${port}`,
        maxRetries: 0,
      });
      const calls = [
        { id: 'call_1', name: 'plot', args: {} },
        { id: 'call_2', name: 'echo', args: {} },
      ];
      const prompt = [
        new HumanMessage('plot it'),
        new AIMessage({ content: '', tool_calls: calls }),
        ...withToolImages('anthropic', step(), shown),
      ];
      await expect(model.invoke(prompt)).rejects.toThrow(/recorded/);
      const results = requests[0].messages.at(-1)!;
      expect(results).toEqual({
        role: 'user',
        content: [
          {
            type: 'tool_result',
            tool_use_id: 'call_1',
            content: [
              { type: 'text', text: 'chart:\n[image 1: image/png]' },
              { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG.data } },
            ],
          },
          { type: 'tool_result', tool_use_id: 'call_2', content: 'no image' },
        ],
      });
    });
  });
});
