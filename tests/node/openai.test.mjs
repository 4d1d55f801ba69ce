// The official `openai` Node SDK against Fledgling, changing only baseURL.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startGateway, API_KEY } from './harness.mjs';

let gw, client;
before(async () => {
  gw = await startGateway();
  client = new OpenAI({ baseURL: gw.baseURL, apiKey: API_KEY, maxRetries: 0 });
}, { timeout: 600_000 });
after(async () => {
  assert.equal(await gw?.stop(), 0, 'gateway must exit 0 on SIGTERM');
});

const messages = [{ role: 'user', content: 'What is the capital of France?' }];

test('non-streaming chat completion', async () => {
  const { data, request_id } = await client.chat.completions.create({ model: 'gpt-4.1', messages }).withResponse();
  assert.match(data.choices[0].message.content, /Paris/);
  assert.equal(data.model, 'gpt-4.1', 'the renamed model is mapped back to the public name');
  assert.ok(data.usage.total_tokens > 0);
  assert.ok(request_id, 'x-request-id is exposed');
});

test('streaming with stream_options.include_usage', async () => {
  const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true, stream_options: { include_usage: true } });
  let text = '', usage = null, chunks = 0;
  for await (const chunk of stream) {
    chunks++;
    text += chunk.choices[0]?.delta?.content ?? '';
    if (chunk.usage) usage = chunk.usage;
  }
  assert.ok(chunks > 3);
  assert.match(text, /Paris/);
  assert.ok(usage && usage.prompt_tokens > 0 && usage.completion_tokens > 0);
});

test('streaming without include_usage gets no usage chunk', async () => {
  const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true });
  for await (const chunk of stream) {
    assert.equal(chunk.usage, undefined);
    assert.ok(chunk.choices.length > 0);
  }
});

test('streamed tool-call round trip', async () => {
  const tools = [{ type: 'function', function: { name: 'get_weather', description: 'weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } }];
  const runner = client.chat.completions.stream({ model: 'gpt-4o-mini', messages, tools });
  const first = await runner.finalChatCompletion();
  const call = first.choices[0].message.tool_calls[0];
  assert.equal(first.choices[0].finish_reason, 'tool_calls');
  assert.equal(call.function.name, 'get_weather');
  assert.deepEqual(JSON.parse(call.function.arguments), { city: 'Paris' });
  const second = await client.chat.completions.stream({ model: 'gpt-4o-mini', tools, messages: [
    ...messages, first.choices[0].message, { role: 'tool', tool_call_id: call.id, content: '{"temp_c":21}' }] }).finalChatCompletion();
  assert.match(second.choices[0].message.content, /Paris/);
});

test('json_schema response format', async () => {
  const res = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, response_format: { type: 'json_schema',
    json_schema: { name: 'capital', strict: true, schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false } } } });
  assert.deepEqual(JSON.parse(res.choices[0].message.content), { city: 'Paris' });
});

test('embeddings: SDK default (base64) and floats agree', async () => {
  const def = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['hello', 'world'] });
  const flt = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['hello', 'world'], encoding_format: 'float' });
  assert.equal(def.data.length, 2);
  assert.equal(def.data[0].embedding.length, 8);
  for (let i = 0; i < 2; i++) {
    def.data[i].embedding.forEach((v, j) => assert.ok(Math.abs(v - flt.data[i].embedding[j]) < 1e-6, `dim ${j}`));
  }
});

test('model listing', async () => {
  const ids = [];
  for await (const m of client.models.list()) ids.push(m.id);
  assert.deepEqual(ids.sort(), ['gpt-4.1', 'gpt-4o-mini', 'text-embedding-3-small']);
  const one = await client.models.retrieve('gpt-4.1');
  assert.equal(one.id, 'gpt-4.1');
});

test('a 400 surfaces as BadRequestError', async () => {
  await assert.rejects(client.chat.completions.create({ model: 'gpt-4o-mini', messages: [] }), (err) => {
    assert.ok(err instanceof OpenAI.BadRequestError, err.constructor.name);
    assert.equal(err.status, 400);
    assert.equal(err.error.type, 'invalid_request_error');
    return true;
  });
  await assert.rejects(new OpenAI({ baseURL: gw.baseURL, apiKey: 'wrong', maxRetries: 0 }).models.list(), OpenAI.AuthenticationError);
});
