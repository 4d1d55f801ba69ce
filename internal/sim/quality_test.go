package sim

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"
)

func TestEveryMistakeIsWrongAndDeterministic(t *testing.T) {
	w, err := LoadWorkload()
	if err != nil {
		t.Fatal(err)
	}
	for _, task := range w.Tasks {
		for _, it := range task.Items {
			for _, kind := range mistakeKinds(task.Kind) {
				for _, u := range []float64{0, 0.37, 0.99} {
					a := makeMistake(kind, task, it, u)
					if it.Grade(a) {
						t.Errorf("%s %s u=%g: mistake grades as correct: %+v", it.ID, kind, u, a)
					}
					if b := makeMistake(kind, task, it, u); canonicalJSON(a) != canonicalJSON(b) {
						t.Errorf("%s %s: not deterministic", it.ID, kind)
					}
				}
			}
		}
	}
}

func TestAgreementRateFollowsProfilePerTask(t *testing.T) {
	w, err := LoadWorkload()
	if err != nil {
		t.Fatal(err)
	}
	p := SmallProfile()
	p.Agreement = map[string]float64{"calc": 0.95, "extract": 0.6, "*": 0.8}
	for _, task := range w.Tasks {
		n, ok := 0, 0
		for u := 0; u < 40; u++ {
			for _, it := range task.Items {
				a := answerFor(7, "sim-small", p, task, it, fmt.Sprintf("user-%d", u))
				n++
				if it.Grade(a) {
					ok++
				}
			}
		}
		got, want := float64(ok)/float64(n), p.agreement(task.Name)
		t.Logf("%s: agreement %.3f over %d (want %.2f)", task.Name, got, n, want)
		if got < want-0.05 || got > want+0.05 {
			t.Errorf("%s: agreement %.3f, want %.2f±0.05", task.Name, got, want)
		}
	}
}

func TestParseAgreement(t *testing.T) {
	m, err := ParseAgreement("calc=0.95, extract=0.6,*=0.9")
	if err != nil || m["calc"] != 0.95 || m["extract"] != 0.6 || m["*"] != 0.9 {
		t.Fatalf("got %v %v", m, err)
	}
	for _, bad := range []string{"calc", "calc=1.5", "calc=x"} {
		if _, err := ParseAgreement(bad); err == nil {
			t.Errorf("%q: want an error", bad)
		}
	}
}

func TestProfileJSON(t *testing.T) {
	var p Profile
	if err := json.Unmarshal([]byte(`{"agreement":{"calc":0.9},"latency":"250ms","jitter":"20ms","reasoning_tokens":5}`), &p); err != nil {
		t.Fatal(err)
	}
	if p.Latency != 250*time.Millisecond || p.Jitter != 20*time.Millisecond || p.Agreement["calc"] != 0.9 || p.ReasoningTokens != 5 {
		t.Fatalf("got %+v", p)
	}
	b, _ := json.Marshal(p)
	var back Profile
	if err := json.Unmarshal(b, &back); err != nil || back.Latency != p.Latency {
		t.Fatalf("round trip %s: %+v %v", b, back, err)
	}
	for _, bad := range []string{`{"latency":"fast"}`, `{"agreement":{"calc":2}}`} {
		if err := json.Unmarshal([]byte(bad), &p); err == nil {
			t.Errorf("%s: want an error", bad)
		}
	}
}
