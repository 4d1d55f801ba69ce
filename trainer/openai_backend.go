package trainer

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// OpenAIBackend fine-tunes on the OpenAI fine-tuning API (or a compatible
// one): it uploads the OpenAI-format splits (POST /files, purpose
// fine-tune), creates a job (POST /fine_tuning/jobs), records the provider's
// job id as the checkpoint, and polls the job and its events until it ends.
// A worker that takes the job over resumes polling the same provider job
// instead of starting another. The fine-tuned model id is the artifact.
type OpenAIBackend struct {
	BaseURL      string // e.g. https://api.openai.com/v1
	APIKey       string
	Headers      map[string]string
	BaseModel    string
	PollInterval time.Duration // default 30s
	Client       *http.Client
}

// ftJob is the part of a fine-tuning job object read here.
type ftJob struct {
	ID             string `json:"id"`
	Model          string `json:"model"`
	Status         string `json:"status"`
	FineTunedModel string `json:"fine_tuned_model"`
	Error          *struct {
		Message string `json:"message"`
	} `json:"error"`
}

// Run creates (or resumes) the provider job and waits for it.
func (o *OpenAIBackend) Run(ctx context.Context, r *Run) (*Artifact, error) {
	id := r.ResumeFrom
	if id == "" {
		var err error
		if id, err = o.start(ctx, r); err != nil {
			return nil, err
		}
	} else {
		r.Report.Log(ctx, "worker", "resuming provider job "+id)
	}
	return o.wait(ctx, r, id)
}

func (o *OpenAIBackend) start(ctx context.Context, r *Run) (string, error) {
	train, err := o.upload(ctx, r.Dataset.Path(SplitTrain, "openai"))
	if err != nil {
		return "", err
	}
	body := map[string]any{"model": o.model(r), "training_file": train, "suffix": suffix(r.Job.Route)}
	if fi, ok := r.Dataset.Manifest.Files[fileName(SplitValidation, "openai")]; ok && fi.Lines > 0 {
		if body["validation_file"], err = o.upload(ctx, r.Dataset.Path(SplitValidation, "openai")); err != nil {
			return "", err
		}
	}
	var job ftJob
	if err := o.call(ctx, http.MethodPost, "/fine_tuning/jobs", body, &job); err != nil {
		return "", fmt.Errorf("create fine-tuning job: %w", err)
	}
	if err := r.Report.Checkpoint(ctx, job.ID); err != nil {
		return "", err
	}
	r.Report.Log(ctx, "worker", fmt.Sprintf("created provider job %s on %s", job.ID, o.model(r)))
	return job.ID, nil
}

func (o *OpenAIBackend) model(r *Run) string {
	if r.Job.BaseModel != "" {
		return r.Job.BaseModel
	}
	return o.BaseModel
}

// suffix is the route name as the API accepts it (at most 18 characters
// of letters, digits, - and _).
func suffix(route string) string {
	s := strings.ReplaceAll(safeName(route), ".", "-")
	if len(s) > 18 {
		s = s[:18]
	}
	return s
}

func (o *OpenAIBackend) wait(ctx context.Context, r *Run, id string) (*Artifact, error) {
	seen := map[string]bool{}
	for {
		var job ftJob
		if err := o.call(ctx, http.MethodGet, "/fine_tuning/jobs/"+id, nil, &job); err != nil && ctx.Err() == nil {
			r.Report.Log(ctx, "worker", "poll: "+err.Error())
		}
		if err := o.events(ctx, r, id, seen); errors.Is(err, ErrLeaseLost) {
			return nil, err
		}
		switch job.Status {
		case "succeeded":
			return &Artifact{Kind: "fine_tuned_model", Model: job.FineTunedModel, BaseModel: job.Model}, nil
		case "failed", "cancelled":
			msg := job.Status
			if job.Error != nil && job.Error.Message != "" {
				msg += ": " + job.Error.Message
			}
			return nil, fmt.Errorf("provider job %s %s", id, msg)
		}
		if err := o.sleep(ctx, id); err != nil {
			return nil, err
		}
	}
}

// sleep waits one poll interval; on cancellation of the job (not on worker
// shutdown or lease loss) it cancels the provider job too.
func (o *OpenAIBackend) sleep(ctx context.Context, id string) error {
	d := o.PollInterval
	if d <= 0 {
		d = 30 * time.Second
	}
	select {
	case <-time.After(d):
		return nil
	case <-ctx.Done():
	}
	cause := context.Cause(ctx)
	if errors.Is(cause, ErrCancelled) {
		bg, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if err := o.call(bg, http.MethodPost, "/fine_tuning/jobs/"+id+"/cancel", nil, nil); err != nil {
			return fmt.Errorf("cancel provider job %s: %w", id, err)
		}
	}
	return cause
}

type ftEvent struct {
	ID      string `json:"id"`
	Type    string `json:"type"`
	Message string `json:"message"`
	Data    struct {
		Step       int64   `json:"step"`
		TotalSteps int64   `json:"total_steps"`
		TrainLoss  float64 `json:"train_loss"`
	} `json:"data"`
}

// events relays new provider events (the API lists newest first) as log
// lines, and metrics events as progress.
func (o *OpenAIBackend) events(ctx context.Context, r *Run, id string, seen map[string]bool) error {
	var page struct {
		Data []ftEvent `json:"data"`
	}
	if err := o.call(ctx, http.MethodGet, "/fine_tuning/jobs/"+id+"/events?limit=100", nil, &page); err != nil {
		return err
	}
	for i := len(page.Data) - 1; i >= 0; i-- {
		ev := page.Data[i]
		if seen[ev.ID] {
			continue
		}
		seen[ev.ID] = true
		var err error
		if ev.Type == "metrics" {
			err = r.Report.Progress(ctx, Update{Step: ev.Data.Step, TotalSteps: ev.Data.TotalSteps, Loss: ev.Data.TrainLoss})
		} else {
			err = r.Report.Log(ctx, "provider", ev.Message)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// upload sends a JSONL file with purpose fine-tune and returns its file id.
func (o *OpenAIBackend) upload(ctx context.Context, path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("purpose", "fine-tune")
	part, err := mw.CreateFormFile("file", filepath.Base(path))
	if err != nil {
		return "", err
	}
	if _, err := io.Copy(part, f); err != nil {
		return "", err
	}
	mw.Close()
	var out struct {
		ID string `json:"id"`
	}
	if err := o.do(ctx, http.MethodPost, "/files", &body, mw.FormDataContentType(), &out); err != nil {
		return "", fmt.Errorf("upload %s: %w", filepath.Base(path), err)
	}
	return out.ID, nil
}

func (o *OpenAIBackend) call(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	ctype := ""
	if in != nil {
		b, _ := json.Marshal(in)
		body, ctype = bytes.NewReader(b), "application/json"
	}
	return o.do(ctx, method, path, body, ctype, out)
}

func (o *OpenAIBackend) do(ctx context.Context, method, path string, body io.Reader, ctype string, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(o.BaseURL, "/")+path, body)
	if err != nil {
		return err
	}
	for k, v := range o.Headers {
		req.Header.Set(k, v)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	req.Header.Set("Authorization", "Bearer "+o.APIKey)
	c := o.Client
	if c == nil {
		c = &http.Client{Timeout: 10 * time.Minute}
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: HTTP %d: %s", method, path, resp.StatusCode, strings.TrimSpace(string(b)))
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(b, out)
}
