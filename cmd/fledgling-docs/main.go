// Command fledgling-docs rewrites the configuration reference in README.md
// from internal/config's doc comments (`make docs`).
package main

import (
	"fmt"
	"os"

	"github.com/fledgling-ai/fledgling/internal/config/docgen"
)

func main() {
	ref, err := docgen.Reference("internal/config")
	if err == nil {
		var readme []byte
		if readme, err = os.ReadFile("README.md"); err == nil {
			var out string
			if out, err = docgen.Replace(string(readme), ref); err == nil {
				err = os.WriteFile("README.md", []byte(out), 0o644)
			}
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "fledgling-docs:", err)
		os.Exit(1)
	}
	fmt.Printf("README.md: %d configuration keys documented\n", len(docgen.Keys(ref)))
}
