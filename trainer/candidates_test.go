package trainer

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestLoRALoader(t *testing.T) {
	var got map[string]string
	var auth string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/load_lora_adapter" || r.Method != "POST" || r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("%s %s %s", r.Method, r.URL.Path, r.Header.Get("Content-Type"))
		}
		auth = r.Header.Get("Authorization")
		json.NewDecoder(r.Body).Decode(&got)
		switch got["lora_name"] {
		case "dup":
			http.Error(w, `{"message":"The lora adapter 'dup' has already been loaded."}`, 400)
		case "bad":
			http.Error(w, `{"message":"no such path"}`, 400)
		}
	}))
	defer srv.Close()
	l := &LoRALoader{BaseURL: srv.URL + "/v1/", APIKey: "k-123"}
	ctx := context.Background()
	if err := l.Load(ctx, "r-ft1", "/adapters/r-ft1"); err != nil {
		t.Fatal(err)
	}
	if got["lora_name"] != "r-ft1" || got["lora_path"] != "/adapters/r-ft1" || auth != "Bearer k-123" {
		t.Fatalf("body %v auth %q", got, auth)
	}
	if err := l.Load(ctx, "dup", "/x"); err != nil {
		t.Fatalf("already loaded must count as loaded: %v", err)
	}
	if err := l.Load(ctx, "bad", "/x"); err == nil || !strings.Contains(err.Error(), "no such path") {
		t.Fatalf("error %v", err)
	}
}

func TestCandidateRegistryIsIdempotent(t *testing.T) {
	r := &CandidateRegistry{DB: openSQLite(t)}
	c := NewCandidate{Route: "r", Version: "ft1", PublicModel: "r-ft1", UpstreamModel: "r-ft1", JobID: "j"}
	for i := 0; i < 2; i++ {
		if err := r.AddCandidate(context.Background(), c); err != nil {
			t.Fatal(err)
		}
	}
	cs, err := r.Candidates(context.Background(), "")
	if err != nil || len(cs) != 1 || cs[0] != c {
		t.Fatalf("%+v %v", cs, err)
	}
}
