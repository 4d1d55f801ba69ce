package features

import "testing"

func TestLazyComputesOnceAndMatchesExtract(t *testing.T) {
	l := &Lazy{Body: []byte(reqA)}
	a := l.Features()
	want := Extract([]byte(reqA), "")
	for i := range want {
		if a[i] != want[i] {
			t.Fatalf("feature %d: lazy %v, extract %v", i, a[i], want[i])
		}
	}
	if b := l.Features(); &b[0] != &a[0] {
		t.Fatal("second call recomputed into another vector")
	}
	l.Release()
	l.Release()
	untouched := &Lazy{Body: []byte(reqA)}
	untouched.Release() // never computed: nothing to return
	body := []byte(reqA)
	allocs := testing.AllocsPerRun(100, func() {
		l := Lazy{Body: body}
		_ = l.Features()
		l.Release()
	})
	if allocs > 0 {
		t.Errorf("Lazy allocates %.1f times per request", allocs)
	}
}
