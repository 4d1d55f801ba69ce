package trainer

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// ExecBackend runs a training program per job. Its command is a template;
// each argument may contain these placeholders:
//
//	{dataset}            train split, chat-template-neutral JSONL (prompt/completion/tools)
//	{validation}         validation split, neutral JSONL
//	{dataset_openai}     train split, OpenAI chat fine-tuning JSONL
//	{validation_openai}  validation split, OpenAI JSONL
//	{dataset_dir}        the dataset version's directory (manifest.json, all splits)
//	{output_dir}         the job's directory, the same on every attempt
//	{resume_from}        newest checkpoint-N directory in output_dir, or ""
//	{base_model}         the base model to fine-tune
//	{job_id}             the job id
//
// Progress protocol: the program prints JSON objects, one per line, on
// stdout; anything else on stdout or stderr is a log line.
//
//	{"event":"progress","step":12,"total_steps":100,"loss":1.23,"eta_s":340}
//	{"event":"checkpoint","step":12,"path":"OUT/checkpoint-12"}
//	{"event":"artifact","adapter_path":"OUT/adapter","manifest":"OUT/adapter/manifest.json","base_model":"…"}
//	{"event":"log","message":"…"}
//
// A checkpoint is a directory named checkpoint-N in output_dir (the Hugging
// Face Trainer's layout); the program must create it atomically (write
// elsewhere, then rename). Exit status 0 with an artifact is success. On
// cancellation the program's process group gets SIGTERM, then SIGKILL after
// KillGrace; when the lease is lost it gets SIGKILL at once; if the worker
// itself dies the program is killed with it.
type ExecBackend struct {
	Command   []string
	BaseModel string
	Env       map[string]string
	// KillGrace between SIGTERM and SIGKILL. Default 10s.
	KillGrace time.Duration
}

// NewestCheckpoint returns the checkpoint-N directory of dir with the
// highest N, or "".
func NewestCheckpoint(dir string) string {
	entries, _ := os.ReadDir(dir)
	best, bestN := "", -1
	for _, e := range entries {
		n, err := strconv.Atoi(strings.TrimPrefix(e.Name(), "checkpoint-"))
		if e.IsDir() && strings.HasPrefix(e.Name(), "checkpoint-") && err == nil && n > bestN {
			best, bestN = filepath.Join(dir, e.Name()), n
		}
	}
	return best
}

func (e *ExecBackend) args(r *Run, resume string) []string {
	base := r.Job.BaseModel
	if base == "" {
		base = e.BaseModel
	}
	rep := strings.NewReplacer(
		"{dataset_openai}", r.Dataset.Path(SplitTrain, "openai"), "{validation_openai}", r.Dataset.Path(SplitValidation, "openai"),
		"{dataset_dir}", r.Dataset.Dir, "{dataset}", r.Dataset.Path(SplitTrain, "neutral"),
		"{validation}", r.Dataset.Path(SplitValidation, "neutral"), "{output_dir}", r.OutputDir,
		"{resume_from}", resume, "{base_model}", base, "{job_id}", r.Job.ID)
	out := make([]string, len(e.Command))
	for i, a := range e.Command {
		out[i] = rep.Replace(a)
	}
	return out
}

// Run starts the program, relays its output and waits for it.
func (e *ExecBackend) Run(ctx context.Context, r *Run) (*Artifact, error) {
	if len(e.Command) == 0 {
		return nil, errors.New("exec backend: no command configured")
	}
	resume := NewestCheckpoint(r.OutputDir)
	args := e.args(r, resume)
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = os.Environ()
	for k, v := range e.Env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.SysProcAttr = procAttr()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = &lineWriter{fn: func(l string) { r.Report.Log(ctx, "stderr", l) }}
	r.Report.Log(ctx, "worker", fmt.Sprintf("exec %q (resume from %q)", args, resume))
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", args[0], err)
	}
	stopKill := e.killOnDone(ctx, cmd)
	rd := &relay{ctx: ctx, r: r, stop: func() { killGroup(cmd, syscall.SIGKILL) }}
	rd.read(stdout)
	waitErr := cmd.Wait()
	stopKill()
	if rd.err != nil {
		return nil, rd.err
	}
	if ctx.Err() != nil {
		return nil, context.Cause(ctx)
	}
	if waitErr != nil {
		return nil, fmt.Errorf("training program: %w", waitErr)
	}
	return rd.artifact(r.OutputDir, args)
}

// killOnDone signals the program's process group when ctx ends.
func (e *ExecBackend) killOnDone(ctx context.Context, cmd *exec.Cmd) (stop func()) {
	grace := e.KillGrace
	if grace <= 0 {
		grace = 10 * time.Second
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		select {
		case <-done:
			return
		case <-ctx.Done():
		}
		if errors.Is(context.Cause(ctx), ErrLeaseLost) {
			killGroup(cmd, syscall.SIGKILL) // another worker may take over: stop now
			return
		}
		killGroup(cmd, syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(grace):
			killGroup(cmd, syscall.SIGKILL)
		}
	}()
	return func() { close(done); wg.Wait() }
}

// event is one JSON line of the progress protocol.
type event struct {
	Event       string  `json:"event"`
	Step        int64   `json:"step"`
	TotalSteps  int64   `json:"total_steps"`
	Loss        float64 `json:"loss"`
	ETASeconds  float64 `json:"eta_s"`
	Path        string  `json:"path"`
	AdapterPath string  `json:"adapter_path"`
	Manifest    string  `json:"manifest"`
	BaseModel   string  `json:"base_model"`
	Message     string  `json:"message"`
}

// relay turns the program's stdout into job progress and logs.
type relay struct {
	ctx  context.Context
	r    *Run
	stop func()
	err  error
	art  *Artifact
}

func (rd *relay) read(stdout io.Reader) {
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 64*1024), 4<<20)
	for sc.Scan() {
		if err := rd.line(sc.Text()); errors.Is(err, ErrLeaseLost) && rd.err == nil {
			rd.err = err
			rd.stop()
		}
	}
	io.Copy(io.Discard, stdout)
}

func (rd *relay) line(l string) error {
	var ev event
	if !strings.HasPrefix(strings.TrimSpace(l), "{") || json.Unmarshal([]byte(l), &ev) != nil || ev.Event == "" {
		return rd.r.Report.Log(rd.ctx, "stdout", l)
	}
	switch ev.Event {
	case "progress":
		return rd.r.Report.Progress(rd.ctx, Update{Step: ev.Step, TotalSteps: ev.TotalSteps, Loss: ev.Loss, ETASeconds: ev.ETASeconds})
	case "checkpoint":
		return rd.r.Report.Checkpoint(rd.ctx, ev.Path)
	case "artifact":
		rd.art = &Artifact{Kind: "lora_adapter", AdapterPath: ev.AdapterPath, Manifest: ev.Manifest, BaseModel: ev.BaseModel}
		return rd.r.Report.Log(rd.ctx, "worker", "artifact "+ev.AdapterPath)
	default:
		return rd.r.Report.Log(rd.ctx, "stdout", firstNonEmpty(ev.Message, l))
	}
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// artifact is the reported adapter, or OUTPUT/adapter when it has a manifest.
func (rd *relay) artifact(outDir string, args []string) (*Artifact, error) {
	a := rd.art
	if a == nil {
		dir := filepath.Join(outDir, "adapter")
		a = &Artifact{Kind: "lora_adapter", AdapterPath: dir, Manifest: filepath.Join(dir, "manifest.json")}
	}
	if _, err := os.Stat(a.AdapterPath); err != nil {
		return nil, fmt.Errorf("training program %s exited 0 but wrote no adapter: %w", args[0], err)
	}
	if a.BaseModel == "" {
		a.BaseModel = rd.r.Job.BaseModel
	}
	return a, nil
}

// maxLogLine caps one log line; longer output is split.
const maxLogLine = 4096

// lineWriter calls fn with each complete line written to it. A carriage
// return also ends a line (progress bars redraw with it), and empty lines
// are dropped.
type lineWriter struct {
	mu  sync.Mutex
	buf []byte
	fn  func(string)
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, c := range p {
		if c == '\n' || c == '\r' || len(w.buf) >= maxLogLine {
			if len(strings.TrimSpace(string(w.buf))) > 0 {
				w.fn(string(w.buf))
			}
			w.buf = w.buf[:0]
			if c == '\n' || c == '\r' {
				continue
			}
		}
		w.buf = append(w.buf, c)
	}
	return len(p), nil
}
