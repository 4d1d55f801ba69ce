package gateway

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/shared"
)

// Real Go clients against the gateway: the official openai-go v3 and
// sashabaranov/go-openai, as Go apps use them, changing only the base URL.

func officialClient(e *env) openai.Client {
	return openai.NewClient(option.WithBaseURL(e.srv.URL+"/v1/"), option.WithAPIKey("sk-team-a"), option.WithMaxRetries(0))
}

func TestOpenAIGoChatStreamToolsEmbeddingsAndErrors(t *testing.T) {
	e := newEnv(t, nil)
	c, ctx := officialClient(e), context.Background()
	msgs := []openai.ChatCompletionMessageParamUnion{openai.UserMessage("What is the capital of France?")}

	resp, err := c.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{Model: "gpt-big", Messages: msgs})
	if err != nil || resp.Model != "gpt-big" || !strings.Contains(resp.Choices[0].Message.Content, "Paris") || resp.Usage.TotalTokens == 0 {
		t.Fatalf("chat: %v %+v", err, resp)
	}

	stream := c.Chat.Completions.NewStreaming(ctx, openai.ChatCompletionNewParams{Model: "gpt-big", Messages: msgs,
		StreamOptions: openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)}})
	acc := openai.ChatCompletionAccumulator{}
	for stream.Next() {
		acc.AddChunk(stream.Current())
	}
	if err := stream.Err(); err != nil || !strings.Contains(acc.Choices[0].Message.Content, "Paris") || acc.Usage.TotalTokens == 0 {
		t.Fatalf("stream: %v %+v", err, acc.ChatCompletion)
	}

	tool := openai.ChatCompletionFunctionTool(shared.FunctionDefinitionParam{Name: "get_weather",
		Parameters: shared.FunctionParameters{"type": "object", "properties": map[string]any{"city": map[string]any{"type": "string"}}, "required": []string{"city"}}})
	stream = c.Chat.Completions.NewStreaming(ctx, openai.ChatCompletionNewParams{Model: "gpt-small", Messages: msgs, Tools: []openai.ChatCompletionToolUnionParam{tool}})
	acc = openai.ChatCompletionAccumulator{}
	for stream.Next() {
		acc.AddChunk(stream.Current())
	}
	if err := stream.Err(); err != nil || len(acc.Choices[0].Message.ToolCalls) != 1 || acc.Choices[0].Message.ToolCalls[0].Function.Arguments != `{"city":"Paris"}` {
		t.Fatalf("tool stream: %v %+v", err, acc.ChatCompletion)
	}

	emb, err := c.Embeddings.New(ctx, openai.EmbeddingNewParams{Model: "text-embedding-3-small",
		Input: openai.EmbeddingNewParamsInputUnion{OfArrayOfStrings: []string{"a", "b"}}})
	if err != nil || len(emb.Data) != 2 || len(emb.Data[0].Embedding) != 8 {
		t.Fatalf("embeddings: %v %+v", err, emb)
	}

	_, err = c.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{Model: "gpt-big"})
	var apiErr *openai.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 || apiErr.Type != "invalid_request_error" {
		t.Fatalf("400: %v", err)
	}
	_, err = c.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{Model: "nope", Messages: msgs})
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 404 || apiErr.Code != "model_not_found" {
		t.Fatalf("404: %v", err)
	}
	page, err := c.Models.List(ctx)
	if err != nil || len(page.Data) != 4 {
		t.Fatalf("models: %v", err)
	}
}

func TestGoOpenAIChatStreamToolsAndErrors(t *testing.T) {
	e := newEnv(t, nil)
	cfg := goopenai.DefaultConfig("sk-team-a")
	cfg.BaseURL = e.srv.URL + "/v1"
	c, ctx := goopenai.NewClientWithConfig(cfg), context.Background()
	msgs := []goopenai.ChatCompletionMessage{{Role: "user", Content: "What is the capital of France?"}}

	resp, err := c.CreateChatCompletion(ctx, goopenai.ChatCompletionRequest{Model: "gpt-big", Messages: msgs})
	if err != nil || resp.Model != "gpt-big" || !strings.Contains(resp.Choices[0].Message.Content, "Paris") {
		t.Fatalf("chat: %v %+v", err, resp)
	}

	tools := []goopenai.Tool{{Type: "function", Function: &goopenai.FunctionDefinition{Name: "get_weather",
		Parameters: map[string]any{"type": "object", "properties": map[string]any{"city": map[string]any{"type": "string"}}}}}}
	st, err := c.CreateChatCompletionStream(ctx, goopenai.ChatCompletionRequest{Model: "gpt-small", Messages: msgs, Tools: tools,
		StreamOptions: &goopenai.StreamOptions{IncludeUsage: true}})
	if err != nil {
		t.Fatal(err)
	}
	var args string
	var usage *goopenai.Usage
	for {
		chunk, err := st.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("recv: %v", err)
		}
		if chunk.Usage != nil {
			usage = chunk.Usage
		}
		for _, ch := range chunk.Choices {
			for _, tc := range ch.Delta.ToolCalls {
				if tc.Index == nil || *tc.Index != 0 {
					t.Fatalf("tool call index missing")
				}
				args += tc.Function.Arguments
			}
		}
	}
	st.Close()
	if args != `{"city":"Paris"}` || usage == nil || usage.TotalTokens == 0 {
		t.Fatalf("tool stream: args %q usage %+v", args, usage)
	}

	_, err = c.CreateChatCompletion(ctx, goopenai.ChatCompletionRequest{Model: "gpt-big"})
	var apiErr *goopenai.APIError
	if !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != 400 || apiErr.Type != "invalid_request_error" {
		t.Fatalf("400: %v", err)
	}
}
