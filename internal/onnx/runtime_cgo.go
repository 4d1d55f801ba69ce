//go:build cgo

package onnx

import (
	"fmt"
	"path/filepath"
	"sync"

	ort "github.com/yalue/onnxruntime_go"
)

// The ONNX Runtime environment is process-wide: it is initialised once, with
// the first library path asked for.
var env struct {
	sync.Mutex
	path string
	err  error
	done bool
}

// Init loads the ONNX Runtime shared library at path and initialises the
// process-wide environment. Later calls with the same path are no-ops; a
// different path is an error (the library cannot be swapped in a process).
func Init(path string) error {
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	env.Lock()
	defer env.Unlock()
	if env.done {
		if env.err == nil && path != env.path {
			return fmt.Errorf("%w: ONNX Runtime already loaded from %s, cannot switch to %s", ErrUnavailable, env.path, path)
		}
		return env.err
	}
	env.done, env.path = true, path
	ort.SetSharedLibraryPath(path)
	if err := ort.InitializeEnvironment(); err != nil {
		env.err = fmt.Errorf("%w: load ONNX Runtime from %s: %w", ErrUnavailable, path, err)
		// Allow a retry with a library put in place later (make onnxruntime).
		env.done = false
		return env.err
	}
	return nil
}

// RuntimeVersion is the loaded library's version ("" before Init).
func RuntimeVersion() string {
	if !ort.IsInitialized() {
		return ""
	}
	return ort.GetVersion()
}
