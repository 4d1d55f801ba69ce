package shadow

import (
	"context"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/fledgling-ai/fledgling/internal/openai"
	"github.com/fledgling-ai/fledgling/shadow/eval"
)

// run is one worker's handling of one job: call, score, store.
func (t *Tee) run(j *job) {
	defer func() {
		if r := recover(); r != nil {
			t.deps.Log.Error("shadow job panicked", "route", j.route, "model", j.callee, "panic", r, "stack", string(debug.Stack()))
		}
	}()
	if t.stop.Err() != nil {
		t.deps.Metrics.dropped.WithLabelValues(j.callee, "shutdown").Inc()
		return
	}
	shadowSide := t.call(j)
	if t.stop.Err() != nil { // cancelled by shutdown: not the model's fault
		t.deps.Metrics.dropped.WithLabelValues(j.callee, "shutdown").Inc()
		return
	}
	cand, ref := shadowSide, servedSide(j)
	if j.shadow.Reverse {
		cand, ref = ref, shadowSide
	}
	p := t.pair(j, cand, ref)
	t.score(j, p, eval.Input{Request: j.rec.Request, Reference: ref.msg, Candidate: cand.msg})
	ctx, cancel := context.WithTimeout(context.WithoutCancel(j.ctx), 10*time.Second)
	defer cancel()
	if err := t.deps.Store.Add(ctx, p); err != nil {
		t.deps.Log.Error("store shadow pair", "route", j.route, "model", j.model, "err", err)
		t.deps.Metrics.pairs.WithLabelValues(j.route, j.model, j.version, "store_error").Inc()
		return
	}
	t.count(j, p)
}

// call replays the request to the shadow model under the shadow timeout.
func (t *Tee) call(j *job) answer {
	body, err := ReplayBody(j.rec.Request, j.callee)
	if err != nil {
		return answer{err: "replay: " + err.Error()}
	}
	ctx, cancel := context.WithTimeout(j.ctx, t.opts.Timeout)
	defer cancel()
	stop := context.AfterFunc(t.stop, cancel)
	defer stop()
	start := time.Now()
	status, resp, err := t.deps.Caller.Call(ctx, j.callee, body)
	a := answer{status: status, latency: time.Since(start)}
	outcome := "ok"
	switch {
	case err != nil:
		a.err, outcome = "call: "+err.Error(), "error"
	case status < 200 || status > 299:
		a.err, outcome = fmt.Sprintf("status %d", status), "error"
	default:
		if a.msg, err = openai.ParseChatResponse(resp); err != nil || (a.msg.Content == "" && len(a.msg.ToolCalls) == 0 && a.msg.Refusal == "" && a.msg.FinishReason == "") {
			a.err, outcome = "unparseable response", "garbage"
		}
	}
	t.deps.Metrics.callTime.WithLabelValues(j.callee, outcome).Observe(a.latency.Seconds())
	if a.err == "" && t.deps.Pricer != nil {
		a.cost, a.priced = t.deps.Pricer.Cost(j.callee, a.msg.Usage)
	}
	return a
}

// servedSide is the served call as an answer.
func servedSide(j *job) answer {
	r := j.rec
	a := answer{msg: r.Response, status: r.Status, latency: r.Latency, cost: r.CostMicros, priced: r.Priced}
	switch {
	case !r.OK():
		a.err = fmt.Sprintf("served call failed: status %d %s", r.Status, r.ErrorClass)
	case j.shadow.Reverse && !r.ServedByCandidate:
		a.err = "candidate failed; the primary's fallback served"
	}
	return a
}

// pair assembles the stored pair: candidate vs primary, whichever served.
func (t *Tee) pair(j *job, cand, ref answer) *Pair {
	p := &Pair{CaptureID: j.rec.ID, Time: j.enqueued.UTC(), Route: j.route, Model: j.model, Version: j.version,
		TaskKey: j.rec.TaskKey, Reverse: j.shadow.Reverse,
		CandidateStatus: cand.status, CandidateLatency: cand.latency, CandidateUsage: cand.msg.Usage,
		CandidateCost: cand.cost, CandidatePriced: cand.priced, CandidateError: cand.err,
		PrimaryStatus: ref.status, PrimaryLatency: ref.latency, PrimaryCost: ref.cost, PrimaryPriced: ref.priced, PrimaryError: ref.err}
	if cand.err == "" {
		p.CandidateOutput = encodeOutput(cand.msg, t.deps.Redactor)
	}
	if j.shadow.Reverse && ref.err == "" {
		p.ReferenceOutput = encodeOutput(ref.msg, t.deps.Redactor)
	}
	return p
}

// score runs the route's evaluators (or the request's defaults). Without a
// reference there is nothing to score; a failed candidate fails every
// applicable evaluator, so errors count against quality too.
func (t *Tee) score(j *job, p *Pair, in eval.Input) {
	if p.PrimaryError != "" {
		return
	}
	names := j.evals
	if len(names) == 0 {
		names = eval.Defaults(j.rec.Request)
	}
	for _, name := range names {
		r, ok := t.evaluate(j, name, in, p)
		if !ok {
			continue
		}
		if p.CandidateError != "" && !r.Skipped {
			r = failed(r, p.CandidateError)
		}
		p.Scores = append(p.Scores, r)
	}
}

func (t *Tee) evaluate(j *job, name string, in eval.Input, p *Pair) (eval.Result, bool) {
	if name == "llm_judge" {
		judge := t.judge.Load()
		if judge == nil || p.CandidateError != "" {
			return eval.Result{}, false
		}
		ctx, cancel := context.WithTimeout(j.ctx, t.opts.Timeout)
		defer cancel()
		stop := context.AfterFunc(t.stop, cancel)
		defer stop()
		r, cost, ok := judge.Evaluate(ctx, in)
		p.JudgeCost += cost
		t.deps.Metrics.judgeCost.Add(float64(cost))
		return r, ok
	}
	e, ok := t.evaluator(name)
	if !ok {
		return eval.Result{}, false
	}
	return e.Evaluate(in), true
}

func failed(r eval.Result, why string) eval.Result {
	r.Score, r.Pass, r.Note = 0, false, "candidate error: "+why
	for i := range r.Subs {
		r.Subs[i].Score, r.Subs[i].Pass = 0, false
	}
	return r
}

func (t *Tee) count(j *job, p *Pair) {
	outcome := "scored"
	switch {
	case p.PrimaryError != "":
		outcome = "primary_error"
	case p.CandidateError != "":
		outcome = "candidate_error"
	}
	t.deps.Metrics.pairs.WithLabelValues(j.route, j.model, j.version, outcome).Inc()
	for _, r := range flatScores(p.Scores) {
		res := "fail"
		if r.Pass {
			res = "pass"
		}
		t.deps.Metrics.evals.WithLabelValues(j.route, j.model, j.version, r.Evaluator, res).Inc()
	}
}
