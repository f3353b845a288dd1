import { HumanMessage, ToolMessage } from '@langchain/core/messages';
import type { BaseMessage, MessageContent } from '@langchain/core/messages';

import type { ToolMedia } from '../mcp/client/mcp-tool';

/** The images of one tool result that the model is shown. */
export interface ToolImages {
  call_id: string;
  tool: string;
  images: ToolMedia[];
}

/** An image, or a resource that is one. */
export const isImage = (media: ToolMedia): boolean => media.type === 'image' || media.mime_type.startsWith('image/');

/**
 * Which images of a result the model is shown: images (and image resources) of at most
 * TOOL_IMAGE_MAX_BYTES each; none when it is 0. The others reach it as the text markers only.
 */
export function imagesForModel(media: readonly ToolMedia[] | undefined, maxBytes: number): ToolMedia[] {
  if (!media || maxBytes === 0) {
    return [];
  }
  // Base64: four characters for three bytes.
  return media.filter((item) => isImage(item) && Math.floor((item.data.length * 3) / 4) <= maxBytes);
}

const imagePart = (image: ToolMedia) => ({
  type: 'image_url' as const,
  image_url: { url: `data:${image.mime_type};base64,${image.data}` },
});

/**
 * The tool results of one step as the provider takes images: Anthropic inside each tool result
 * (image blocks); OpenAI-compatible servers and Ollama take only text in a tool message, so the
 * images follow the results in one user message (`image_url` parts), each named by its tool.
 */
export function withToolImages(provider: string, results: BaseMessage[], shown: readonly ToolImages[]): BaseMessage[] {
  const withImages = shown.filter((entry) => entry.images.length > 0);
  if (withImages.length === 0) {
    return results;
  }
  if (provider === 'anthropic') {
    const byCall = new Map(withImages.map((entry) => [entry.call_id, entry.images]));
    return results.map((message) => {
      const images = ToolMessage.isInstance(message) ? byCall.get(message.tool_call_id) : undefined;
      if (!images || !ToolMessage.isInstance(message)) {
        return message;
      }
      const content: MessageContent = [{ type: 'text', text: message.text }, ...images.map(imagePart)];
      return new ToolMessage({ ...message, content, tool_call_id: message.tool_call_id });
    });
  }
  const parts = withImages.flatMap((entry) => [
    { type: 'text' as const, text: `The images "${entry.tool}" returned (call ${entry.call_id}), in order:` },
    ...entry.images.map(imagePart),
  ]);
  return [...results, new HumanMessage({ content: parts })];
}
