package fledgling_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/fledgling-ai/fledgling"

// rules: a package (prefix) may not import the listed packages (prefixes).
// They make the data flow of DEVELOPERS.md hold in the code:
//
//	sync:  gateway → router (pure) → provider → gateway
//	async: capture → shadow → promotion → router
//	async: capture → trainer → candidate → shadow (the trainer never routes)
var rules = []struct {
	pkg       string
	forbidden []string
	why       string
	except    []string // allowed although a forbidden prefix covers them
}{
	{"router", []string{"gateway", "shadow", "trainer", "promotion", "costs", "internal/store", "internal/capture", "internal/telemetry", "internal/app"},
		"the router is a pure decision: no I/O, no knowledge of who changes it", nil},
	{"trainer", []string{"router", "promotion", "gateway", "internal/app"},
		"the trainer never changes routing; a new candidate reaches traffic only through shadow and promotion", nil},
	{"shadow", []string{"gateway", "trainer", "promotion", "internal/app"},
		"shadow produces evidence; promotion consumes it", nil},
	{"costs", []string{"gateway", "router", "shadow", "trainer", "promotion", "internal/app"},
		"costs is used from every loop and depends on none", nil},
	{"gateway", []string{"shadow", "trainer", "promotion", "internal/app"},
		"the gateway sees background work only through its own small interfaces", nil},
	{"promotion", []string{"gateway", "trainer", "internal/app"},
		"promotion reads evidence and writes routing state, nothing else", nil},
	{"internal/capture", []string{"gateway", "router", "shadow", "trainer", "promotion", "internal/app"},
		"capture is the shared input of both loops", nil},
	{"internal/openai", []string{"gateway", "router", "shadow", "trainer", "promotion", "costs", "internal/"},
		"wire format only", []string{"internal/jsonlit"}}, // JSON string literals, itself importing nothing of ours
	{"internal/jsonlit", []string{"gateway", "router", "shadow", "trainer", "promotion", "costs", "internal/"},
		"JSON literals: a leaf that the wire-format package may use", nil},
	{"internal/config", []string{"gateway", "router", "shadow", "trainer", "promotion", "costs", "internal/"},
		"config is plain data any package may read", nil},
}

func TestImportRules(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	checked := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg := strings.TrimPrefix(fields[0], module+"/")
		for _, r := range rules {
			if pkg != r.pkg && !strings.HasPrefix(pkg, r.pkg+"/") {
				continue
			}
			checked++
			for _, imp := range fields[1:] {
				if !strings.HasPrefix(imp, module+"/") {
					continue
				}
				rel := strings.TrimPrefix(imp, module+"/")
				if slices.Contains(r.except, rel) {
					continue
				}
				for _, f := range r.forbidden {
					if (rel == f || strings.HasPrefix(rel, f+"/") || (strings.HasSuffix(f, "/") && strings.HasPrefix(rel, f))) && !strings.HasPrefix(rel, r.pkg) {
						t.Errorf("%s imports %s: %s", pkg, rel, r.why)
					}
				}
			}
		}
	}
	if checked < 5 {
		t.Fatalf("only %d packages matched a rule; the rules no longer describe the tree", checked)
	}
}
