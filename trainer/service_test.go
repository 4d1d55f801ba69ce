package trainer

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/tidwall/gjson"
)

func testService(t *testing.T, src *memSource, now *time.Time) *Service {
	db := openSQLite(t)
	clock := func() time.Time { return *now }
	b := newBuilder(t, db, src, 1)
	b.Now = clock
	return &Service{Builder: b, Jobs: &Jobs{DB: db, Now: clock}, Queue: &SQLQueue{}, Registry: &CandidateRegistry{DB: db},
		Backend: "exec", BaseModel: "tiny-base", MinNewExamples: 20, Cooldown: time.Hour}
}

func TestTriggers(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	src := &memSource{bfclRecords(t, "simple_python", "r", 30, now.Add(-time.Hour))}
	s := testService(t, src, &now)

	job, err := s.Check(ctx, "r")
	if err != nil || job.Reason != ReasonNewExamples || job.State != Queued {
		t.Fatalf("first check: %+v %v", job, err)
	}
	if _, err := s.Check(ctx, "r"); !errors.Is(err, ErrNotEnough) {
		t.Fatalf("no new captures since the dataset: %v", err)
	}
	src.recs = append(src.recs, bfclRecords(t, "multiple", "r", 25, now.Add(time.Minute))...)
	now = now.Add(10 * time.Minute)
	if _, err := s.Check(ctx, "r"); !errors.Is(err, ErrJobActive) {
		t.Fatalf("second job while one is queued: %v", err)
	}
	s.Jobs.Cancel(ctx, job.ID)
	if _, err := s.Check(ctx, "r"); !errors.Is(err, ErrCooldown) {
		t.Fatalf("within cooldown: %v", err)
	}
	if _, err := s.GateFailed(ctx, "r"); !errors.Is(err, ErrCooldown) {
		t.Fatalf("gate failure within cooldown: %v", err)
	}
	manual, err := s.Train(ctx, "r", ReasonManual)
	if err != nil || manual.Reason != ReasonManual {
		t.Fatalf("manual request must skip the cooldown: %v", err)
	}
	s.Jobs.Cancel(ctx, manual.ID)
	now = now.Add(2 * time.Hour)
	src.recs = append(src.recs, bfclRecords(t, "parallel", "r", 5, now.Add(-time.Minute))...)
	g, err := s.GateFailed(ctx, "r")
	if err != nil || g.Reason != ReasonGateFailed {
		t.Fatalf("gate failure after cooldown: %+v %v", g, err)
	}
	ds, _ := s.Builder.Datasets(ctx, "r")
	if len(ds) != 3 {
		t.Fatalf("%d dataset versions, want 3", len(ds))
	}
}

func TestAdminAPI(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	s := testService(t, &memSource{bfclRecords(t, "simple_python", "r", 30, now.Add(-time.Hour))}, &now)
	mux := http.NewServeMux()
	s.Register(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	call := func(method, path, body string, want int) gjson.Result {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, bytes.NewBufferString(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var v json.RawMessage
		json.NewDecoder(resp.Body).Decode(&v)
		if resp.StatusCode != want {
			t.Fatalf("%s %s = %d %s, want %d", method, path, resp.StatusCode, v, want)
		}
		return gjson.ParseBytes(v)
	}
	ds := call("POST", "/admin/v1/datasets", `{"route":"r"}`, 201)
	if ds.Get("manifest.counts.kept").Int() != 30 {
		t.Fatalf("dataset %s", ds.Raw)
	}
	call("POST", "/admin/v1/datasets", `{"route":"none"}`, 422)
	if e := call("POST", "/admin/v1/jobs", `{`, 400); e.Get("error.type").String() != "invalid_request_error" {
		t.Fatalf("error envelope %s", e.Raw)
	}
	if n := len(call("GET", "/admin/v1/datasets?route=r", "", 200).Get("data").Array()); n != 1 {
		t.Fatalf("%d datasets", n)
	}
	job := call("POST", "/admin/v1/jobs", `{"dataset_id":"`+ds.Get("id").String()+`"}`, 201)
	id := job.Get("id").String()
	call("POST", "/admin/v1/jobs", `{"route":"r"}`, 409)
	call("GET", "/admin/v1/jobs/"+id, "", 200)
	call("GET", "/admin/v1/jobs/nope", "", 404)
	call("GET", "/admin/v1/jobs/"+id+"/logs", "", 200)
	if n := len(call("GET", "/admin/v1/jobs?route=r", "", 200).Get("data").Array()); n != 1 {
		t.Fatalf("%d jobs", n)
	}
	if st := call("POST", "/admin/v1/jobs/"+id+"/cancel", "", 200).Get("state").String(); st != "cancelled" {
		t.Fatalf("state %s", st)
	}
	call("GET", "/admin/v1/trainer/candidates", "", 200)
}

func TestMetricsCountDatasetsAndJobs(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	_, db, job := jobFixture(t)
	w := testWorker(db, t.TempDir(), "0", "w1")
	w.Metrics = m
	m.dataset(&Dataset{Route: "r", Manifest: Manifest{Counts: Counts{Train: 7}}})
	defer startWorker(t, w)()
	waitJob(t, w.Jobs, job.ID, 20*time.Second, func(j *Job) bool { return j.State.Terminal() })
	time.Sleep(50 * time.Millisecond)
	if v := metricValue(m.finished.WithLabelValues("r", "succeeded")); v != 1 {
		t.Fatalf("finished = %v", v)
	}
	if v := metricValue(m.claims.WithLabelValues("first")); v != 1 {
		t.Fatalf("claims = %v", v)
	}
	if v := metricValue(m.examples.WithLabelValues("r", "train")); v != 7 {
		t.Fatalf("examples = %v", v)
	}
}

func metricValue(c prometheus.Collector) float64 {
	ch := make(chan prometheus.Metric, 1)
	c.Collect(ch)
	var d dto.Metric
	(<-ch).Write(&d)
	if d.Counter != nil {
		return d.Counter.GetValue()
	}
	return d.Gauge.GetValue()
}
