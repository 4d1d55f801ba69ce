// The Vercel AI SDK's OpenAI provider (how Mastra agents call models)
// against Fledgling, changing only baseURL.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateText, streamText, tool, jsonSchema, stepCountIs } from 'ai';
import { createOpenAI } from '@ai-sdk/openai';
import { startGateway, API_KEY } from './harness.mjs';

let gw, openai;
before(async () => {
  gw = await startGateway();
  openai = createOpenAI({ baseURL: gw.baseURL, apiKey: API_KEY });
}, { timeout: 600_000 });
after(async () => { await gw?.stop(); });

test('generateText (chat completions)', async () => {
  const { text, usage } = await generateText({ model: openai.chat('gpt-4o-mini'), prompt: 'What is the capital of France?' });
  assert.match(text, /Paris/);
  assert.ok(usage.inputTokens > 0 && usage.outputTokens > 0);
});

test('generateText (responses API, the provider default)', async () => {
  const { text } = await generateText({ model: openai('gpt-4o-mini'), prompt: 'What is the capital of France?' });
  assert.match(text, /Paris/);
});

test('streamText', async () => {
  const result = streamText({ model: openai.chat('gpt-4o-mini'), prompt: 'What is the capital of France?' });
  let text = '';
  for await (const part of result.textStream) text += part;
  assert.match(text, /Paris/);
  const usage = await result.usage;
  assert.ok(usage.outputTokens > 0, 'usage reaches the AI SDK through the stream');
});

test('a tool call, executed and answered', async () => {
  const calls = [];
  const { text, steps } = await generateText({
    model: openai.chat('gpt-4o-mini'),
    prompt: 'What is the weather in the capital of France?',
    tools: {
      get_weather: tool({
        description: 'weather for a city',
        inputSchema: jsonSchema({ type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }),
        execute: async ({ city }) => { calls.push(city); return { city, temp_c: 21 }; },
      }),
    },
    stopWhen: stepCountIs(3),
  });
  assert.deepEqual(calls, ['Paris']);
  assert.equal(steps.length, 2);
  assert.match(text, /Paris/);
});
