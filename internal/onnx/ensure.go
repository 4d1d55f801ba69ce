package onnx

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// LibraryRel is where `make onnxruntime` puts the library, relative to the
// repository root (the default of learned_routing.onnxruntime_path).
const LibraryRel = "third_party/onnxruntime/libonnxruntime.so"

// EnsureLibrary returns the path of the ONNX Runtime library under repoRoot,
// running scripts/onnxruntime.sh (npm pack onnxruntime-node) first when it
// is missing. It is for tests, benchmarks and development; the gateway never
// downloads anything.
func EnsureLibrary(repoRoot string) (string, error) {
	repoRoot, err := filepath.Abs(repoRoot)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	path := filepath.Join(repoRoot, LibraryRel)
	if st, err := os.Stat(path); err == nil && st.Size() > 0 {
		return path, nil
	}
	cmd := exec.Command("bash", filepath.Join(repoRoot, "scripts", "onnxruntime.sh"))
	cmd.Dir = repoRoot
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("%w: scripts/onnxruntime.sh failed: %v\n%s", ErrUnavailable, err, out)
	}
	if _, err := os.Stat(path); err != nil {
		return "", fmt.Errorf("%w: scripts/onnxruntime.sh did not produce %s", ErrUnavailable, path)
	}
	return path, nil
}
