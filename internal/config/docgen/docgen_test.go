package docgen

import (
	"os"
	"strings"
	"testing"
)

// TestReadmeConfigReferenceIsCurrent fails when a config field was added or
// its doc changed without `make docs`.
func TestReadmeConfigReferenceIsCurrent(t *testing.T) {
	ref, err := Reference("..")
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"server.listen", "providers.NAME.timeouts.first_token", "routes[].candidates[].promotion.steps", "storage.dsn"} {
		if !strings.Contains(ref, "`"+key+"`") {
			t.Errorf("reference lacks %s", key)
		}
	}
	readme, err := os.ReadFile("../../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	want, err := Replace(string(readme), ref)
	if err != nil {
		t.Fatal(err)
	}
	if want != string(readme) {
		t.Fatalf("README.md's configuration reference is stale: run `make docs`")
	}
}
