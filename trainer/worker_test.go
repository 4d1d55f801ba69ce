package trainer

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/fledgling-ai/fledgling/internal/store"
)

// The kill test runs a worker in a child process (this test binary
// re-executed) so that it can be SIGKILLed for real.
const helperEnv = "FLEDGLING_TRAINER_HELPER_WORKER"

func TestMain(m *testing.M) {
	if spec := os.Getenv(helperEnv); spec != "" {
		runHelperWorker(spec)
		return
	}
	os.Exit(m.Run())
}

// runHelperWorker: spec is "DSN|WORKDIR|DELAY|WORKER_ID".
func runHelperWorker(spec string) {
	p := strings.Split(spec, "|")
	db, err := store.Open(context.Background(), p[0])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	w := testWorker(db, p[1], p[2], p[3])
	w.Run(context.Background())
}

func recipePath() string {
	p, _ := filepath.Abs("testdata/recipe.sh")
	return p
}

func testWorker(db *store.DB, workDir, delay, id string) *Worker {
	jobs := &Jobs{DB: db}
	exec := &ExecBackend{Command: []string{recipePath(), "{dataset}", "{output_dir}", "10", delay, "{resume_from}"}, KillGrace: time.Second}
	return &Worker{ID: id, Jobs: jobs, Queue: &SQLQueue{Jobs: jobs, Poll: 50 * time.Millisecond},
		Backends: map[string]Backend{"exec": exec}, Sink: &CandidateRegistry{DB: db},
		Naming: Naming{ServingProvider: "vllm"}, WorkDir: workDir, LeaseTTL: time.Second,
		Log: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))}
}

// jobFixture opens a SQLite file, builds a dataset and queues one exec job.
func jobFixture(t *testing.T) (dsn string, db *store.DB, job *Job) {
	t.Helper()
	dsn = "sqlite://" + filepath.Join(t.TempDir(), "jobs.db")
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := Migrate(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	ds, err := newBuilder(t, db, &memSource{bfclRecords(t, "simple_python", "r", 40, t0)}, 1).Build(context.Background(), "r", nil)
	if err != nil {
		t.Fatal(err)
	}
	job, err = (&Jobs{DB: db}).Enqueue(context.Background(), NewJob{Route: "r", DatasetID: ds.ID, Backend: "exec", BaseModel: "tiny-base", Reason: "manual"})
	if err != nil {
		t.Fatal(err)
	}
	return dsn, db, job
}

func waitJob(t *testing.T, jobs *Jobs, id string, timeout time.Duration, ok func(*Job) bool) *Job {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		j, err := jobs.Get(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if ok(j) {
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out; job %+v", j)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

func startWorker(t *testing.T, w *Worker) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); w.Run(ctx) }()
	return func() { cancel(); wg.Wait() }
}

func TestExecJobFullRun(t *testing.T) {
	_, db, job := jobFixture(t)
	w := testWorker(db, t.TempDir(), "0.01", "w1")
	defer startWorker(t, w)()
	j := waitJob(t, w.Jobs, job.ID, 20*time.Second, func(j *Job) bool { return j.State.Terminal() })
	if j.State != Succeeded || j.Step != 10 || j.TotalSteps != 10 || j.Attempts != 1 {
		t.Fatalf("job %+v", j)
	}
	if j.Artifact == nil || j.Artifact.BaseModel != "tiny-base" || !strings.HasSuffix(j.Checkpoint, "checkpoint-10") {
		t.Fatalf("artifact %+v checkpoint %q", j.Artifact, j.Checkpoint)
	}
	if _, err := os.Stat(filepath.Join(j.Artifact.AdapterPath, "adapter_config.json")); err != nil {
		t.Fatal(err)
	}
	logs, _ := w.Jobs.Logs(context.Background(), j.ID, 0, 0)
	if !hasLog(logs, "training on ") {
		t.Fatalf("stderr of the recipe not in the job log: %+v", logs)
	}
	cands, _ := (&CandidateRegistry{DB: db}).Candidates(context.Background(), "r")
	if len(cands) != 1 || cands[0].JobID != j.ID || cands[0].AdapterPath != j.Artifact.AdapterPath || cands[0].Provider != "vllm" {
		t.Fatalf("candidates %+v", cands)
	}
}

func hasLog(logs []LogLine, s string) bool {
	for _, l := range logs {
		if strings.Contains(l.Line, s) {
			return true
		}
	}
	return false
}

// A worker process is SIGKILLed mid-job; a second worker takes the job over
// once the lease expires and resumes it from the newest checkpoint. The two
// runs never overlap and nothing the first wrote is lost.
func TestKilledWorkerIsResumedFromCheckpoint(t *testing.T) {
	dsn, db, job := jobFixture(t)
	workDir := t.TempDir()
	child := exec.Command(os.Args[0], "-test.run=^$")
	child.Env = append(os.Environ(), helperEnv+"="+strings.Join([]string{dsn, workDir, "0.15", "doomed"}, "|"))
	child.Stderr = os.Stderr
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	jobs := &Jobs{DB: db}
	j := waitJob(t, jobs, job.ID, 20*time.Second, func(j *Job) bool { return strings.HasSuffix(j.Checkpoint, "checkpoint-4") })
	child.Process.Signal(syscall.SIGKILL)
	child.Wait()
	firstPid := recipePid(t, j.OutputDir, 0)
	time.Sleep(300 * time.Millisecond)
	if alive(firstPid) {
		t.Fatalf("recipe pid %d survived its worker", firstPid)
	}
	if j, _ = jobs.Get(context.Background(), job.ID); j.State != Running || j.Worker != "doomed" {
		t.Fatalf("after kill: %+v", j)
	}
	// While the dead worker's lease is valid nobody else may claim the job.
	if _, err := jobs.Claim(context.Background(), job.ID, "eager", time.Second); err == nil && time.Until(j.LeaseUntil) > 100*time.Millisecond {
		t.Fatal("claimed a job whose lease is still valid")
	}
	w := testWorker(db, workDir, "0.01", "rescuer")
	defer startWorker(t, w)()
	j = waitJob(t, jobs, job.ID, 20*time.Second, func(j *Job) bool { return j.State.Terminal() })
	if j.State != Succeeded || j.Attempts < 2 || j.Step != 10 {
		t.Fatalf("job %+v", j)
	}
	assertResumed(t, j.OutputDir, firstPid)
}

func recipePid(t *testing.T, outDir string, nth int) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(outDir, "runs.log"))
	if err != nil {
		t.Fatal(err)
	}
	var pids []int
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "start pid=") {
			pid, _ := strconv.Atoi(strings.Fields(strings.TrimPrefix(l, "start pid="))[0])
			pids = append(pids, pid)
		}
	}
	if nth >= len(pids) {
		t.Fatalf("runs.log has %d starts: %s", len(pids), b)
	}
	return pids[nth]
}

// assertResumed checks steps.log: the first run's steps, then the second
// run's, which start right after a checkpoint the first run wrote; the
// first run never writes again once the second started.
func assertResumed(t *testing.T, outDir string, firstPid int) {
	t.Helper()
	b, _ := os.ReadFile(filepath.Join(outDir, "steps.log"))
	var lastFirst, firstSecond int
	secondPid := 0
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.Fields(line)
		pid, _ := strconv.Atoi(f[0])
		step, _ := strconv.Atoi(f[1])
		switch {
		case pid == firstPid && secondPid != 0:
			t.Fatalf("first run wrote step %d after the second run started:\n%s", step, b)
		case pid == firstPid:
			lastFirst = step
		case secondPid == 0:
			secondPid, firstSecond = pid, step
		}
	}
	resumedFrom := firstSecond - 1
	if secondPid == 0 || resumedFrom < 4 || resumedFrom%2 != 0 || resumedFrom > lastFirst {
		t.Fatalf("second run started at step %d, first run reached %d:\n%s", firstSecond, lastFirst, b)
	}
	for s := 2; s <= 10; s += 2 {
		if _, err := os.Stat(filepath.Join(outDir, fmt.Sprintf("checkpoint-%d", s), "state")); err != nil {
			t.Fatalf("checkpoint %d lost: %v", s, err)
		}
	}
	runs, _ := os.ReadFile(filepath.Join(outDir, "runs.log"))
	if !strings.Contains(string(runs), fmt.Sprintf("from=%d", resumedFrom)) || strings.Count(string(runs), "start pid=") != 2 {
		t.Fatalf("runs.log:\n%s", runs)
	}
}

func TestCancelRunningJob(t *testing.T) {
	_, db, job := jobFixture(t)
	w := testWorker(db, t.TempDir(), "0.3", "w1")
	defer startWorker(t, w)()
	j := waitJob(t, w.Jobs, job.ID, 20*time.Second, func(j *Job) bool { return j.Step >= 1 })
	if _, err := w.Jobs.Cancel(context.Background(), job.ID); err != nil {
		t.Fatal(err)
	}
	j = waitJob(t, w.Jobs, job.ID, 10*time.Second, func(j *Job) bool { return j.State.Terminal() })
	if j.State != Cancelled || j.Step >= 10 {
		t.Fatalf("job %+v", j)
	}
	pid := recipePid(t, j.OutputDir, 0)
	time.Sleep(100 * time.Millisecond)
	if alive(pid) {
		t.Fatalf("recipe %d still running after cancel", pid)
	}
	if _, err := w.Jobs.Cancel(context.Background(), job.ID); err != nil {
		t.Fatalf("cancelling a cancelled job: %v", err)
	}
}

func TestCancelQueuedJob(t *testing.T) {
	_, db, job := jobFixture(t)
	jobs := &Jobs{DB: db}
	j, err := jobs.Cancel(context.Background(), job.ID)
	if err != nil || j.State != Cancelled {
		t.Fatalf("%+v %v", j, err)
	}
	if _, err := jobs.Claim(context.Background(), job.ID, "w", time.Second); err == nil {
		t.Fatal("claimed a cancelled job")
	}
}

// Racing claims: exactly one wins; a stale lease cannot write after
// another worker took over.
func TestClaimIsExclusiveAndFenced(t *testing.T) {
	_, db, job := jobFixture(t)
	now := time.Now()
	jobs := &Jobs{DB: db, Now: func() time.Time { return now }}
	var wins sync.Map
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if l, err := jobs.Claim(context.Background(), job.ID, fmt.Sprint("w", i), time.Minute); err == nil {
				wins.Store(i, l)
			}
		}(i)
	}
	wg.Wait()
	var leases []*Lease
	wins.Range(func(_, v any) bool { leases = append(leases, v.(*Lease)); return true })
	if len(leases) != 1 {
		t.Fatalf("%d workers claimed the job", len(leases))
	}
	old := leases[0]
	now = now.Add(2 * time.Minute) // the lease expires
	nl, err := jobs.Claim(context.Background(), job.ID, "w-new", time.Minute)
	if err != nil || nl.Fence != old.Fence+1 {
		t.Fatalf("re-claim after expiry: %+v %v", nl, err)
	}
	if err := old.Progress(context.Background(), Update{Step: 99}); err != ErrLeaseLost {
		t.Fatalf("stale progress: %v", err)
	}
	if err := old.Log(context.Background(), "stdout", "stale"); err != ErrLeaseLost {
		t.Fatalf("stale log: %v", err)
	}
	if err := old.Finish(context.Background(), Succeeded, nil, ""); err != ErrLeaseLost {
		t.Fatalf("stale finish: %v", err)
	}
	if err := nl.Progress(context.Background(), Update{Step: 3}); err != nil {
		t.Fatal(err)
	}
}

// alive reports whether pid runs (a zombie, not yet reaped by an
// orphan-reaping init, does not count).
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return syscall.Kill(pid, 0) == nil
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i > 0 && len(s) > i+2 && s[i+2] != 'Z' && s[i+2] != 'X'
}

// A worker whose machine does not have the builder's work_dir gets the
// dataset files from the database.
func TestWorkerMaterialisesDatasetElsewhere(t *testing.T) {
	_, db, job := jobFixture(t)
	ds, _ := GetDataset(context.Background(), db, job.DatasetID)
	if err := os.RemoveAll(ds.Dir); err != nil {
		t.Fatal(err)
	}
	elsewhere := t.TempDir()
	w := testWorker(db, elsewhere, "0", "remote")
	defer startWorker(t, w)()
	j := waitJob(t, w.Jobs, job.ID, 20*time.Second, func(j *Job) bool { return j.State.Terminal() })
	if j.State != Succeeded {
		t.Fatalf("job %+v", j)
	}
	local := &Dataset{Route: ds.Route, Version: ds.Version, Manifest: ds.Manifest}
	if !filesIntact(local, filepath.Join(elsewhere, "datasets", "r", "v1")) {
		t.Fatal("dataset not materialised intact in the worker's work_dir")
	}
}

// A worker cut off from the store stops its training program before its
// lease can lapse, so the worker that takes the job over never runs beside it.
func TestWorkerCutOffFromStoreFencesItself(t *testing.T) {
	dsn, db, job := jobFixture(t)
	cut, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	workDir := t.TempDir()
	w := testWorker(cut, workDir, "0.2", "partitioned")
	w.LeaseTTL = 3 * time.Second
	ran := make(chan bool, 1)
	go func() { ran <- w.RunJob(context.Background(), job.ID) }()
	jobs := &Jobs{DB: db}
	j := waitJob(t, jobs, job.ID, 20*time.Second, func(j *Job) bool { return j.Step >= 1 })
	cut.Close() // the network partition
	var stopped time.Time
	select {
	case handled := <-ran:
		stopped = time.Now()
		if handled {
			t.Fatal("a worker that lost its lease reported the job handled")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the cut-off worker kept running its job")
	}
	pid := recipePid(t, j.OutputDir, 0)
	if alive(pid) {
		t.Fatalf("recipe %d still running after self-fencing", pid)
	}
	if j, _ = jobs.Get(context.Background(), job.ID); j.State != Running || !stopped.Before(j.LeaseUntil) {
		t.Fatalf("job after the partition: %+v; the run stopped at %s, after its lease lapsed", j, stopped)
	}
	rescuer := testWorker(db, workDir, "0.01", "rescuer")
	defer startWorker(t, rescuer)()
	j = waitJob(t, jobs, job.ID, 20*time.Second, func(j *Job) bool { return j.State.Terminal() })
	if j.State != Succeeded {
		t.Fatalf("job %+v", j)
	}
	assertNoOverlap(t, j.OutputDir, pid)
}

func assertNoOverlap(t *testing.T, outDir string, firstPid int) {
	b, _ := os.ReadFile(filepath.Join(outDir, "steps.log"))
	second := false
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		pid, _ := strconv.Atoi(strings.Fields(line)[0])
		if pid != firstPid {
			second = true
		} else if second {
			t.Fatalf("first run wrote after the second started:\n%s", b)
		}
	}
}
