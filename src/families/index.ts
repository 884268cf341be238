/** The family registry: API family name → parser module. */
import type { ApiFamilyName } from '../llm-call';
import { anthropicMessages } from './anthropic-messages';
import { bedrockConverse } from './bedrock-converse';
import { bedrockInvoke } from './bedrock-invoke';
import { cohereChat } from './cohere-chat';
import type { ApiFamily } from './family';
import { geminiGenerateContent } from './gemini';
import { openaiChatCompletions } from './openai-chat';
import { openaiCompletions } from './openai-completions';
import { openaiEmbeddings } from './openai-embeddings';
import { openaiResponses } from './openai-responses';

const FAMILIES: Record<ApiFamilyName, ApiFamily> = {
  'openai.chat_completions': openaiChatCompletions,
  'openai.completions': openaiCompletions,
  'openai.responses': openaiResponses,
  'openai.embeddings': openaiEmbeddings,
  'anthropic.messages': anthropicMessages,
  'gemini.generate_content': geminiGenerateContent,
  'bedrock.invoke': bedrockInvoke,
  'bedrock.converse': bedrockConverse,
  'cohere.chat': cohereChat,
};

export function familyFor(name: ApiFamilyName): ApiFamily {
  return FAMILIES[name];
}
