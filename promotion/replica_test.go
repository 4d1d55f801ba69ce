package promotion

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/fledgling-ai/fledgling/internal/config"
	"github.com/fledgling-ai/fledgling/internal/store"
	"github.com/fledgling-ai/fledgling/router"
)

const testRedis = "127.0.0.1:6379"

// TestMain re-executes the test binary as a replica process when asked to.
func TestMain(m *testing.M) {
	if os.Getenv("PROMO_REPLICA") != "" {
		os.Exit(runReplica())
	}
	os.Exit(m.Run())
}

const replicaCfg = `
auth: {mode: none}
providers: {p: {type: openai, base_url: "http://127.0.0.1:1/v1"}}
models: {big1: {provider: p}, big2: {provider: p}, big3: {provider: p}, small: {provider: p}}
routes:
  - {name: r1, match: {models: [big1]}, primary: big1, candidates: [{model: small, promotion: &fast {thresholds: {tool_call: 0.9}, min_samples: 50, min_duration: 1s, step_samples: 20, step_duration: 500ms, steps: [10, 100]}}]}
  - {name: r2, match: {models: [big2]}, primary: big2, candidates: [{model: small, promotion: {thresholds: {tool_call: 0.9}, min_samples: 50, min_duration: 8s, step_samples: 20, step_duration: 500ms, steps: [10, 100]}}]}
  - {name: r3, match: {models: [big3]}, primary: big3, candidates: [{model: small, promotion: *fast}]}
`

// fileGated is 100 good pairs a second since the window start; route r3 has
// none until the file "r3" exists in dir.
type fileGated struct{ dir string }

func (f fileGated) Evidence(_ context.Context, route, _, _ string, since time.Time) (Evidence, error) {
	n := int64(time.Since(since).Seconds() * 100)
	if _, err := os.Stat(filepath.Join(f.dir, route)); route == "r3" && err != nil {
		n = 0
	}
	return Evidence{Evaluators: map[string]EvaluatorEvidence{"tool_call": {N: n, Passes: n * 99 / 100}}, CandidateN: n, PrimaryN: n}, nil
}

// runReplica is one replica process: it follows the shared state, competes
// for the lease, runs the controller while leading, and prints what it does.
func runReplica() int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	var mu sync.Mutex
	out := func(kind string, f ...any) {
		mu.Lock()
		fmt.Println(append([]any{kind, time.Now().UnixNano()}, f...)...)
		mu.Unlock()
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	cfg, err := config.Parse([]byte(replicaCfg))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	db, err := store.Open(ctx, "sqlite://"+os.Getenv("PROMO_DB"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	st, err := OpenStore(ctx, db)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	rdb := redis.NewClient(&redis.Options{Addr: os.Getenv("PROMO_REDIS"), DialTimeout: 300 * time.Millisecond,
		ReadTimeout: 300 * time.Millisecond, WriteTimeout: 300 * time.Millisecond, MaxRetries: -1})
	shared := NewShared(rdb, os.Getenv("PROMO_PREFIX"))
	m := NewManager(st, shared, log, nil)
	m.Reread = 500 * time.Millisecond
	m.Observe = func(tr *Transition) { out("WRITE", tr.StateVersion, tr.Token, tr.Route, tr.To) }
	base, _ := router.Compile(cfg)
	rt := router.New(base)
	stages := func() string {
		var s []string
		for _, model := range []string{"big1", "big2", "big3"} {
			d, _ := rt.Decide(&router.Request{Model: model, User: "u"})
			s = append(s, d.Route+"="+d.Stage)
		}
		return strings.Join(s, ",")
	}
	m.OnChange(func(s State) {
		tab, _ := base.WithState(s.Router(func(*Candidate) float64 { return 0.05 }))
		rt.Swap(tab)
		out("STATE", s.Version, stages())
	})
	if err := m.Load(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	lease := NewLease(shared, os.Getenv("PROMO_ID"), 1500*time.Millisecond, log)
	go lease.Run(ctx)
	go m.Follow(ctx)
	c := &Controller{M: m, Source: fileGated{dir: os.Getenv("PROMO_DIR")}, Config: func() *config.Config { return cfg },
		Token: lease.Token, Interval: 200 * time.Millisecond, Now: time.Now, Log: log}
	go c.Run(ctx)
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	var last int64 = -1
	for i := 0; ; i++ {
		select {
		case <-ctx.Done():
			return 0
		case <-t.C:
		}
		if tok, _ := lease.Token(); tok != last {
			last = tok
			out("LEADER", tok)
		}
		if i%2 == 0 {
			out("SERVE", stages())
		}
	}
}

// replica is a running replica process and the lines it printed.
type replica struct {
	name  string
	cmd   *exec.Cmd
	mu    sync.Mutex
	lines [][]string
}

func startReplica(t *testing.T, name, redisAddr, prefix, dir string) *replica {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "PROMO_REPLICA=1", "PROMO_ID="+name, "PROMO_REDIS="+redisAddr, "PROMO_PREFIX="+prefix,
		"PROMO_DIR="+dir, "PROMO_DB="+filepath.Join(dir, name+".db"))
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if testing.Verbose() == false {
		cmd.Stderr = nil
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := &replica{name: name, cmd: cmd}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			r.mu.Lock()
			r.lines = append(r.lines, strings.Fields(sc.Text()))
			r.mu.Unlock()
		}
	}()
	return r
}

// find returns the first line of kind after index from that satisfies ok.
func (r *replica) find(kind string, ok func(f []string) bool) ([]string, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, f := range r.lines {
		if f[0] == kind && ok(f) {
			return f, true
		}
	}
	return nil, false
}

func (r *replica) wait(t *testing.T, what, kind string, timeout time.Duration, ok func(f []string) bool) []string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if f, found := r.find(kind, ok); found {
			return f
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s: no %s line (%s) within %s", r.name, kind, what, timeout)
	return nil
}

func (r *replica) count(kind string, since int64, ok func(f []string) bool) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, f := range r.lines {
		if f[0] == kind && atoi(f[1]) >= since && ok(f) {
			n++
		}
	}
	return n
}

func atoi(s string) int64  { n, _ := strconv.ParseInt(s, 10, 64); return n }
func any1(f []string) bool { return true }
