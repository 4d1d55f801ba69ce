package sim

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"

	oai "github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/shared"
)

// DriverConfig configures simulated traffic.
type DriverConfig struct {
	// BaseURL is the OpenAI base URL, e.g. "http://127.0.0.1:8080/v1".
	BaseURL string
	// APIKey is sent as the bearer token (a Fledgling virtual key). Default "sim".
	APIKey string
	// Model requested. Default "sim-large".
	Model string
	// Headers are added to every request.
	Headers map[string]string
	// TaskHeader, when set, names a header carrying the task name on every
	// request (e.g. "x-sim-task"), so gateway routes can match per task.
	TaskHeader string
	// Workload defaults to LoadWorkload().
	Workload *Workload
	// Mix weighs tasks by name; default every task equally.
	Mix map[string]float64
	// Requests to send in total (0 = until Duration or ctx ends).
	Requests int
	// Duration bounds the run (0 = no bound).
	Duration time.Duration
	// Rate in requests per second (0 = as fast as Concurrency allows).
	Rate float64
	// Concurrency is the number of requests in flight. Default 4.
	Concurrency int
	// Users is how many sticky user ids ("sim-user-007") requests come from. Default 50.
	Users int
	// StreamShare is the share of streaming requests, 0..1.
	StreamShare float64
	// Seed chooses the sequence of items, users and stream flags.
	Seed uint64
	// Timeout of one request. Default 60s.
	Timeout time.Duration
	// MaxRetries of the official client. Default 0, so every failure is
	// visible; set it to 2 to behave like an application on SDK defaults.
	MaxRetries int
	// OnResult, when set, is called after every request (from worker goroutines).
	OnResult func(Result)
}

// Result is one request as the application saw it.
type Result struct {
	Seq    int    `json:"seq"`
	Task   string `json:"task"`
	Item   string `json:"item"`
	User   string `json:"user"`
	Stream bool   `json:"stream"`
	// Status is the HTTP status (0 when no response arrived).
	Status int `json:"status"`
	// Model is the response's model field: who answered.
	Model string `json:"model"`
	// Err is empty on success.
	Err string `json:"error,omitempty"`
	// Correct says whether the answer satisfies the item's accepted answers.
	Correct          bool          `json:"correct"`
	FinishReason     string        `json:"finish_reason"`
	PromptTokens     int64         `json:"prompt_tokens"`
	CompletionTokens int64         `json:"completion_tokens"`
	Latency          time.Duration `json:"latency"`
	// Header holds the response's x-fledgling-* headers.
	Header http.Header `json:"header,omitempty"`
}

// OK reports whether the request succeeded.
func (r Result) OK() bool { return r.Err == "" && r.Status == http.StatusOK }

// Driver sends simulated traffic through a base URL with the official openai-go client.
type Driver struct {
	cfg    DriverConfig
	client oai.Client
	tasks  []*Task
	cum    []float64
	mu     sync.Mutex
	res    []Result
}

// NewDriver checks the config and builds the client.
func NewDriver(cfg DriverConfig) (*Driver, error) {
	if cfg.BaseURL == "" {
		return nil, errors.New("sim: driver needs a BaseURL")
	}
	if cfg.Workload == nil {
		w, err := LoadWorkload()
		if err != nil {
			return nil, err
		}
		cfg.Workload = w
	}
	setDriverDefaults(&cfg)
	d := &Driver{cfg: cfg}
	if err := d.buildMix(); err != nil {
		return nil, err
	}
	opts := []option.RequestOption{option.WithBaseURL(cfg.BaseURL), option.WithAPIKey(cfg.APIKey),
		option.WithMaxRetries(cfg.MaxRetries), option.WithRequestTimeout(cfg.Timeout)}
	for k, v := range cfg.Headers {
		opts = append(opts, option.WithHeader(k, v))
	}
	d.client = oai.NewClient(opts...)
	return d, nil
}

func setDriverDefaults(cfg *DriverConfig) {
	if cfg.APIKey == "" {
		cfg.APIKey = "sim"
	}
	if cfg.Model == "" {
		cfg.Model = "sim-large"
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 4
	}
	if cfg.Users <= 0 {
		cfg.Users = 50
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 60 * time.Second
	}
}

func (d *Driver) buildMix() error {
	total := 0.0
	for _, t := range d.cfg.Workload.Tasks {
		w := 1.0
		if d.cfg.Mix != nil {
			w = d.cfg.Mix[t.Name]
		}
		if w <= 0 {
			continue
		}
		total += w
		d.tasks = append(d.tasks, t)
		d.cum = append(d.cum, total)
	}
	for name := range d.cfg.Mix {
		if d.cfg.Workload.Task(name) == nil {
			return fmt.Errorf("sim: mix names unknown task %q (tasks: %v)", name, d.cfg.Workload.TaskNames())
		}
	}
	if len(d.tasks) == 0 {
		return errors.New("sim: the mix selects no task")
	}
	for i := range d.cum {
		d.cum[i] /= total
	}
	return nil
}

// job is one planned request.
type job struct {
	seq    int
	task   *Task
	item   *Item
	user   string
	stream bool
}

// plan picks the seq-th request deterministically from the seed.
func (d *Driver) plan(seq int) job {
	r := rand.New(rand.NewPCG(d.cfg.Seed, uint64(seq)))
	u := r.Float64()
	ti := 0
	for ti < len(d.cum)-1 && u >= d.cum[ti] {
		ti++
	}
	t := d.tasks[ti]
	return job{seq: seq, task: t, item: t.Items[r.IntN(len(t.Items))],
		user: fmt.Sprintf("sim-user-%03d", r.IntN(d.cfg.Users)), stream: r.Float64() < d.cfg.StreamShare}
}

// Run sends traffic until Requests are sent, Duration passes or ctx ends,
// then waits for the requests in flight. It returns the summary.
func (d *Driver) Run(ctx context.Context) Summary {
	if d.cfg.Duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, d.cfg.Duration)
		defer cancel()
	}
	jobs := make(chan job)
	var wg sync.WaitGroup
	for i := 0; i < d.cfg.Concurrency; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				d.record(d.send(context.WithoutCancel(ctx), j))
			}
		}()
	}
	d.produce(ctx, jobs)
	close(jobs) // only produce sends on jobs, and it has returned
	wg.Wait()
	return d.Summary()
}

func (d *Driver) produce(ctx context.Context, jobs chan<- job) {
	var tick <-chan time.Time
	if d.cfg.Rate > 0 {
		t := time.NewTicker(time.Duration(float64(time.Second) / d.cfg.Rate))
		defer t.Stop()
		tick = t.C
	}
	for seq := 0; d.cfg.Requests == 0 || seq < d.cfg.Requests; seq++ {
		if tick != nil {
			select {
			case <-ctx.Done():
				return
			case <-tick:
			}
		}
		select {
		case <-ctx.Done():
			return
		case jobs <- d.plan(seq):
		}
	}
}

func (d *Driver) record(r Result) {
	d.mu.Lock()
	d.res = append(d.res, r)
	d.mu.Unlock()
	if d.cfg.OnResult != nil {
		d.cfg.OnResult(r)
	}
}

// Results returns every result so far.
func (d *Driver) Results() []Result {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]Result(nil), d.res...)
}

// Send sends one item as user (streaming or not) and returns what the
// application saw; it is what Run does for each request.
func (d *Driver) Send(ctx context.Context, task *Task, it *Item, user string, stream bool) Result {
	return d.send(ctx, job{task: task, item: it, user: user, stream: stream})
}

func (d *Driver) send(ctx context.Context, j job) Result {
	res := Result{Seq: j.seq, Task: j.task.Name, Item: j.item.ID, User: j.user, Stream: j.stream}
	params := d.params(j)
	var httpResp *http.Response
	opts := []option.RequestOption{option.WithResponseInto(&httpResp)}
	if d.cfg.TaskHeader != "" {
		opts = append(opts, option.WithHeader(d.cfg.TaskHeader, j.task.Name))
	}
	start := time.Now()
	var comp *oai.ChatCompletion
	var err error
	if j.stream {
		comp, err = d.stream(ctx, params, opts)
	} else {
		comp, err = d.client.Chat.Completions.New(ctx, params, opts...)
	}
	res.Latency = time.Since(start)
	if httpResp != nil {
		res.Status = httpResp.StatusCode
		res.Header = fledglingHeaders(httpResp.Header)
	}
	if err != nil {
		res.Err = err.Error()
		var apiErr *oai.Error
		if errors.As(err, &apiErr) {
			res.Status = apiErr.StatusCode
			res.Err = fmt.Sprintf("%d %s (%s): %s", apiErr.StatusCode, apiErr.Type, apiErr.Code, apiErr.Message)
		}
		return res
	}
	fillResult(&res, comp, j.item)
	return res
}

func (d *Driver) stream(ctx context.Context, params oai.ChatCompletionNewParams, opts []option.RequestOption) (*oai.ChatCompletion, error) {
	params.StreamOptions = oai.ChatCompletionStreamOptionsParam{IncludeUsage: oai.Bool(true)}
	s := d.client.Chat.Completions.NewStreaming(ctx, params, opts...)
	defer s.Close()
	acc := oai.ChatCompletionAccumulator{}
	for s.Next() {
		acc.AddChunk(s.Current())
	}
	if err := s.Err(); err != nil {
		return nil, err
	}
	if len(acc.Choices) == 0 {
		return nil, errors.New("sim: stream ended without a choice")
	}
	comp := acc.ChatCompletion
	return &comp, nil
}

// params builds the request for a job with the official client's types.
func (d *Driver) params(j job) oai.ChatCompletionNewParams {
	p := oai.ChatCompletionNewParams{
		Model:    d.cfg.Model,
		Messages: []oai.ChatCompletionMessageParamUnion{oai.SystemMessage(j.task.System), oai.UserMessage(j.item.Prompt)},
		User:     oai.String(j.user),
	}
	if j.task.Kind == KindJSON {
		p.ResponseFormat = oai.ChatCompletionNewParamsResponseFormatUnion{OfJSONSchema: &shared.ResponseFormatJSONSchemaParam{
			JSONSchema: shared.ResponseFormatJSONSchemaJSONSchemaParam{Name: j.task.SchemaName, Schema: j.task.Schema}}}
		return p
	}
	for _, t := range j.task.Tools {
		p.Tools = append(p.Tools, oai.ChatCompletionFunctionTool(shared.FunctionDefinitionParam{
			Name: t.Name, Description: oai.String(t.Description), Parameters: shared.FunctionParameters(t.Parameters)}))
	}
	return p
}

func fillResult(res *Result, comp *oai.ChatCompletion, it *Item) {
	res.Model = comp.Model
	res.PromptTokens, res.CompletionTokens = comp.Usage.PromptTokens, comp.Usage.CompletionTokens
	if len(comp.Choices) == 0 {
		res.Err = "no choices in the response"
		return
	}
	ch := comp.Choices[0]
	res.FinishReason = ch.FinishReason
	a := Answer{Content: ch.Message.Content}
	for _, tc := range ch.Message.ToolCalls {
		var args map[string]any
		if jsonUnmarshalString(tc.Function.Arguments, &args) != nil {
			args = map[string]any{"_invalid_json": tc.Function.Arguments}
		}
		a.Calls = append(a.Calls, Call{Name: tc.Function.Name, Args: args})
	}
	res.Correct = it.Grade(a)
}

func fledglingHeaders(h http.Header) http.Header {
	out := http.Header{}
	for k, v := range h {
		if strings.HasPrefix(strings.ToLower(k), "x-fledgling-") {
			out[k] = v
		}
	}
	return out
}
