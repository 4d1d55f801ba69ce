package trainer

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeFineTuning is an httptest fake of the OpenAI fine-tuning API that
// checks the wire protocol of every request it gets.
type fakeFineTuning struct {
	t         *testing.T
	mu        sync.Mutex
	files     map[string]string // id -> content
	created   []map[string]any
	polls     int
	finishAt  int // polls before success; 0 = never
	cancelled bool
	calls     []string
}

func (f *fakeFineTuning) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, r.Method+" "+r.URL.Path)
	if r.Header.Get("Authorization") != "Bearer sk-test" {
		http.Error(w, `{"error":{"message":"bad auth"}}`, 401)
		return
	}
	switch {
	case r.Method == "POST" && r.URL.Path == "/v1/files":
		f.upload(w, r)
	case r.Method == "POST" && r.URL.Path == "/v1/fine_tuning/jobs":
		f.create(w, r)
	case r.Method == "GET" && r.URL.Path == "/v1/fine_tuning/jobs/ftjob-1":
		f.polls++
		status, model := "running", ""
		if f.cancelled {
			status = "cancelled"
		} else if f.finishAt > 0 && f.polls >= f.finishAt {
			status, model = "succeeded", "ft:gpt-4o-mini-2024-07-18:acme:support:AbC123"
		}
		fmt.Fprintf(w, `{"object":"fine_tuning.job","id":"ftjob-1","model":"gpt-4o-mini-2024-07-18","status":%q,"fine_tuned_model":%s}`,
			status, jsonOrNull(model))
	case r.Method == "GET" && r.URL.Path == "/v1/fine_tuning/jobs/ftjob-1/events":
		fmt.Fprintf(w, `{"object":"list","data":[
			{"object":"fine_tuning.job.event","id":"ev-3","type":"metrics","message":"Step 2/4: training loss=0.40","data":{"step":2,"total_steps":4,"train_loss":0.4}},
			{"object":"fine_tuning.job.event","id":"ev-2","type":"metrics","message":"Step 1/4: training loss=0.90","data":{"step":1,"total_steps":4,"train_loss":0.9}},
			{"object":"fine_tuning.job.event","id":"ev-1","type":"message","message":"Fine-tuning job started","data":{}}],"has_more":false}`)
	case r.Method == "POST" && r.URL.Path == "/v1/fine_tuning/jobs/ftjob-1/cancel":
		f.cancelled = true
		fmt.Fprint(w, `{"object":"fine_tuning.job","id":"ftjob-1","status":"cancelled"}`)
	default:
		f.t.Errorf("unexpected request %s %s", r.Method, r.URL)
		http.Error(w, "not found", 404)
	}
}

func jsonOrNull(s string) string {
	if s == "" {
		return "null"
	}
	b, _ := json.Marshal(s)
	return string(b)
}

func (f *fakeFineTuning) upload(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		f.t.Errorf("upload content type %q", r.Header.Get("Content-Type"))
	}
	if err := r.ParseMultipartForm(10 << 20); err != nil {
		f.t.Errorf("multipart: %v", err)
		return
	}
	if p := r.FormValue("purpose"); p != "fine-tune" {
		f.t.Errorf("purpose = %q", p)
	}
	file, hdr, err := r.FormFile("file")
	if err != nil {
		f.t.Errorf("file part: %v", err)
		return
	}
	b, _ := io.ReadAll(file)
	for i, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if err := ValidateOpenAILine([]byte(l)); err != nil {
			f.t.Errorf("%s line %d: %v", hdr.Filename, i, err)
		}
	}
	id := fmt.Sprintf("file-%d", len(f.files)+1)
	f.files[id] = string(b)
	fmt.Fprintf(w, `{"object":"file","id":%q,"purpose":"fine-tune","filename":%q,"bytes":%d}`, id, hdr.Filename, len(b))
}

func (f *fakeFineTuning) create(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Content-Type") != "application/json" {
		f.t.Errorf("create content type %q", r.Header.Get("Content-Type"))
	}
	var body map[string]any
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		f.t.Errorf("create body: %v", err)
	}
	for _, k := range []string{"training_file", "validation_file"} {
		if _, ok := f.files[fmt.Sprint(body[k])]; !ok {
			f.t.Errorf("%s %v was not uploaded", k, body[k])
		}
	}
	f.created = append(f.created, body)
	fmt.Fprint(w, `{"object":"fine_tuning.job","id":"ftjob-1","model":"gpt-4o-mini-2024-07-18","status":"validating_files"}`)
}

func openAIWorker(t *testing.T, fake *fakeFineTuning) (*Worker, *Job, func()) {
	_, db, job := jobFixture(t)
	srv := httptest.NewServer(fake)
	w := testWorker(db, t.TempDir(), "0", "w-openai")
	w.Backends = map[string]Backend{"openai": &OpenAIBackend{BaseURL: srv.URL + "/v1", APIKey: "sk-test",
		BaseModel: "gpt-4o-mini-2024-07-18", PollInterval: 20 * time.Millisecond}}
	w.Naming.RemoteProvider = "openai"
	db.ExecContext(context.Background(), `UPDATE trainer_jobs SET backend = 'openai', base_model = '' WHERE id = $1`, job.ID)
	return w, job, srv.Close
}

func TestOpenAIBackendFineTunes(t *testing.T) {
	fake := &fakeFineTuning{t: t, files: map[string]string{}, finishAt: 3}
	w, job, closeSrv := openAIWorker(t, fake)
	defer closeSrv()
	defer startWorker(t, w)()
	j := waitJob(t, w.Jobs, job.ID, 10*time.Second, func(j *Job) bool { return j.State.Terminal() })
	if j.State != Succeeded || j.Artifact.Model != "ft:gpt-4o-mini-2024-07-18:acme:support:AbC123" || j.Checkpoint != "ftjob-1" {
		t.Fatalf("job %+v artifact %+v", j, j.Artifact)
	}
	if j.Step != 2 || j.TotalSteps != 4 || j.Loss != 0.4 {
		t.Fatalf("progress step=%d/%d loss=%v", j.Step, j.TotalSteps, j.Loss)
	}
	if len(fake.created) != 1 || fake.created[0]["model"] != "gpt-4o-mini-2024-07-18" || fake.created[0]["suffix"] != "r" {
		t.Fatalf("created %+v", fake.created)
	}
	ds, _ := GetDataset(context.Background(), w.Jobs.DB, j.DatasetID)
	train, _ := os.ReadFile(ds.Path(SplitTrain, "openai"))
	if fake.files["file-1"] != string(train) {
		t.Fatal("uploaded training file differs from the dataset's train split")
	}
	logs, _ := w.Jobs.Logs(context.Background(), j.ID, 0, 0)
	if !hasLog(logs, "Fine-tuning job started") {
		t.Fatalf("provider events not logged: %+v", logs)
	}
	cands, _ := (&CandidateRegistry{DB: w.Jobs.DB}).Candidates(context.Background(), "r")
	if len(cands) != 1 || cands[0].UpstreamModel != j.Artifact.Model || cands[0].Provider != "openai" || cands[0].AdapterPath != "" {
		t.Fatalf("candidates %+v", cands)
	}
}

// A taken-over job resumes polling the provider job it already created.
func TestOpenAIBackendResumesProviderJob(t *testing.T) {
	fake := &fakeFineTuning{t: t, files: map[string]string{}, finishAt: 1}
	w, job, closeSrv := openAIWorker(t, fake)
	defer closeSrv()
	w.Jobs.DB.ExecContext(context.Background(), `UPDATE trainer_jobs SET checkpoint = 'ftjob-1' WHERE id = $1`, job.ID)
	defer startWorker(t, w)()
	j := waitJob(t, w.Jobs, job.ID, 10*time.Second, func(j *Job) bool { return j.State.Terminal() })
	if j.State != Succeeded || len(fake.created) != 0 || len(fake.files) != 0 {
		t.Fatalf("job %+v; created %d jobs, %d files", j, len(fake.created), len(fake.files))
	}
}

func TestOpenAIBackendCancel(t *testing.T) {
	fake := &fakeFineTuning{t: t, files: map[string]string{}}
	w, job, closeSrv := openAIWorker(t, fake)
	defer closeSrv()
	w.LeaseTTL = 300 * time.Millisecond
	defer startWorker(t, w)()
	waitJob(t, w.Jobs, job.ID, 10*time.Second, func(j *Job) bool { return j.Checkpoint == "ftjob-1" })
	w.Jobs.Cancel(context.Background(), job.ID)
	j := waitJob(t, w.Jobs, job.ID, 10*time.Second, func(j *Job) bool { return j.State.Terminal() })
	fake.mu.Lock()
	defer fake.mu.Unlock()
	if j.State != Cancelled || !fake.cancelled {
		t.Fatalf("job %+v; provider cancelled=%v calls=%v", j, fake.cancelled, fake.calls)
	}
}
