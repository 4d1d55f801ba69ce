package trainer

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// routerStub is a learned_router backend that reports progress and returns
// a router artifact without training (the app's backend runs trainer/learned).
type routerStub struct{ got *Run }

func (b *routerStub) Run(ctx context.Context, r *Run) (*Artifact, error) {
	b.got = r
	r.Report.Progress(ctx, Update{Step: 7, Loss: 0.25})
	r.Report.Log(ctx, "learned", "trained")
	return &Artifact{Kind: ArtifactLearnedRouter, Path: r.OutputDir + "/r.onnx", Threshold: 0.8, Candidate: r.Job.BaseModel}, nil
}

// A router job needs no dataset, runs on the learned_router backend, records
// its artifact and registers no candidate; the admin API queues it by kind.
func TestRouterJobThroughAdmin(t *testing.T) {
	db := openSQLite(t)
	if err := Migrate(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	w := testWorker(db, t.TempDir(), "0.01", "w1")
	stub := &routerStub{}
	w.Backends[BackendLearnedRouter] = stub
	svc := &Service{Jobs: w.Jobs, Queue: w.Queue, Registry: &CandidateRegistry{DB: db}}
	mux := http.NewServeMux()
	svc.Register(mux)
	post := func(body string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest("POST", "/admin/v1/jobs", strings.NewReader(body)))
		return rec
	}
	if rec := post(`{"route":"r","kind":"distill"}`); rec.Code != 400 {
		t.Fatalf("unknown kind: %d %s", rec.Code, rec.Body)
	}
	if rec := post(`{"dataset_id":"d","kind":"learned_router"}`); rec.Code != 400 {
		t.Fatalf("router job without route: %d %s", rec.Code, rec.Body)
	}
	rec := post(`{"route":"r","kind":"learned_router","candidate":"small@v1"}`)
	if rec.Code != 201 || !strings.Contains(rec.Body.String(), `"backend":"learned_router"`) {
		t.Fatalf("queue: %d %s", rec.Code, rec.Body)
	}
	if rec := post(`{"route":"r","kind":"learned_router"}`); rec.Code != 409 {
		t.Fatalf("second job on the route: %d %s", rec.Code, rec.Body)
	}
	defer startWorker(t, w)()
	jobs, _ := w.Jobs.List(context.Background(), "r", 1)
	j := waitJob(t, w.Jobs, jobs[0].ID, 20*time.Second, func(j *Job) bool { return j.State.Terminal() })
	if j.State != Succeeded || j.Step != 7 || j.Artifact == nil || j.Artifact.Kind != ArtifactLearnedRouter ||
		j.Artifact.Threshold != 0.8 || j.Artifact.Candidate != "small@v1" || stub.got.Dataset != nil {
		t.Fatalf("job %+v artifact %+v", j, j.Artifact)
	}
	logs, _ := w.Jobs.Logs(context.Background(), j.ID, 0, 0)
	if !hasLog(logs, "trained") || !hasLog(logs, "learned_routing.models.r") {
		t.Fatalf("logs %+v", logs)
	}
	if cands, _ := (&CandidateRegistry{DB: db}).Candidates(context.Background(), "r"); len(cands) != 0 {
		t.Fatalf("a router registered candidates %+v", cands)
	}
}
