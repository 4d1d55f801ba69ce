package shadow

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/tidwall/gjson"

	"github.com/fledgling-ai/fledgling/internal/openai"
	"github.com/fledgling-ai/fledgling/shadow/eval"
)

// Judge is the optional llm_judge evaluator: a configured model grades
// whether the candidate's answer agrees with the reference under a rubric.
// It runs on its own sample rate and stops for the UTC day once its spend
// reaches the daily budget (the call that crosses it is the last one). Its
// cost is evaluation overhead, reported apart from the candidate's cost.
type Judge struct {
	Model        string
	Rubric       string
	Rate         float64 // share of pairs judged, 0..1
	BudgetMicros int64   // per UTC day
	Caller       Caller
	Pricer       Pricer // without one, spend cannot be counted and the budget never binds

	mu    sync.Mutex
	day   string
	spent int64
	now   func() time.Time
	rand  func() float64
}

const defaultRubric = "Pass when the candidate answer would serve the user as well as the reference: same facts, same decisions, same tool calls and arguments, same structure. Wording may differ."

// Evaluate judges one pair. ok is false when the pair was not judged (not
// sampled, over budget, or the judge failed): such pairs are not counted.
func (j *Judge) Evaluate(ctx context.Context, in eval.Input) (r eval.Result, costMicros int64, ok bool) {
	if !j.admit() {
		return eval.Result{}, 0, false
	}
	body, err := j.request(in)
	if err != nil {
		return eval.Result{}, 0, false
	}
	status, resp, err := j.Caller.Call(ctx, j.Model, body)
	if err != nil || status < 200 || status > 299 {
		return eval.Result{}, 0, false
	}
	msg, err := openai.ParseChatResponse(resp)
	if err != nil {
		return eval.Result{}, 0, false
	}
	if j.Pricer != nil {
		if c, priced := j.Pricer.Cost(j.Model, msg.Usage); priced {
			costMicros = c
			j.spend(c)
		}
	}
	r, ok = parseVerdict(msg.Content)
	return r, costMicros, ok
}

func (j *Judge) admit() bool {
	rnd, now := j.rand, j.now
	if rnd == nil {
		rnd = rand.Float64
	}
	if now == nil {
		now = time.Now
	}
	if j.Rate <= 0 || rnd() >= j.Rate {
		return false
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if d := now().UTC().Format(time.DateOnly); d != j.day {
		j.day, j.spent = d, 0
	}
	return j.BudgetMicros <= 0 || j.spent < j.BudgetMicros
}

func (j *Judge) spend(c int64) {
	j.mu.Lock()
	j.spent += c
	j.mu.Unlock()
}

// request builds the judge's chat request.
func (j *Judge) request(in eval.Input) ([]byte, error) {
	rubric := j.Rubric
	if rubric == "" {
		rubric = defaultRubric
	}
	var conv strings.Builder
	gjson.GetBytes(in.Request, "messages").ForEach(func(_, m gjson.Result) bool {
		fmt.Fprintf(&conv, "[%s] %s\n", m.Get("role").String(), clip(m.Get("content").String(), 4000))
		return true
	})
	user := fmt.Sprintf("Conversation:\n%s\nReference answer:\n%s\n\nCandidate answer:\n%s\n",
		clip(conv.String(), 12000), clip(string(in.Reference.AssistantJSON()), 6000), clip(string(in.Candidate.AssistantJSON()), 6000))
	return json.Marshal(map[string]any{
		"model": j.Model, "temperature": 0, "response_format": map[string]string{"type": "json_object"},
		"messages": []map[string]string{
			{"role": "system", "content": "You grade a candidate answer against a reference answer to the same conversation. Rubric: " + rubric +
				` Reply with only a JSON object: {"score": number from 0 to 1, "pass": boolean, "reason": short string}.`},
			{"role": "user", "content": user},
		},
	})
}

func parseVerdict(content string) (eval.Result, bool) {
	v := gjson.Parse(eval.StripThink(content))
	score, pass := v.Get("score"), v.Get("pass")
	if !v.IsObject() || score.Type != gjson.Number || (pass.Type != gjson.True && pass.Type != gjson.False) {
		return eval.Result{}, false
	}
	s := min(max(score.Float(), 0), 1)
	return eval.Result{Evaluator: "llm_judge", Score: s, Pass: pass.Bool(), Note: clip(v.Get("reason").String(), 200)}, true
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
