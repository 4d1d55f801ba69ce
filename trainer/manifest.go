package trainer

import "time"

// Manifest describes one dataset version; it is stored in the database and
// as manifest.json next to the files.
type Manifest struct {
	ID          string              `json:"id"`
	Route       string              `json:"route"`
	Version     int                 `json:"version"`
	CreatedAt   time.Time           `json:"created_at"`
	Window      Window              `json:"source_window"`
	Filters     Filters             `json:"filters"`
	Counts      Counts              `json:"counts"`
	TaskKeys    map[string]int      `json:"task_keys"` // examples per task key, all splits
	Files       map[string]FileInfo `json:"files"`
	ContentHash string              `json:"content_hash"` // sha256 over the files' hashes, in name order
}

// Window is the capture time range read.
type Window struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// Filters records how examples were chosen and split.
type Filters struct {
	Require            []string `json:"require,omitempty"`
	IncludeCandidate   bool     `json:"include_candidate"`
	NearDedup          bool     `json:"near_dedup"`
	Normalisation      string   `json:"normalisation"`
	Seed               int64    `json:"seed"`
	ValidationFraction float64  `json:"validation_fraction"`
	TestFraction       float64  `json:"test_fraction"`
	Redaction          bool     `json:"redaction"`
}

// Counts of what happened to the captures read.
type Counts struct {
	Scanned      int `json:"scanned"`
	NotChat      int `json:"dropped_not_chat"`
	Errors       int `json:"dropped_error"`
	Truncated    int `json:"dropped_truncated"`
	Candidate    int `json:"dropped_candidate"`
	FailedChecks int `json:"dropped_failed_checks"`
	Invalid      int `json:"dropped_invalid"`
	DupExact     int `json:"dropped_duplicate_exact"`
	DupNear      int `json:"dropped_duplicate_near"`
	Kept         int `json:"kept"`
	Train        int `json:"train"`
	Validation   int `json:"validation"`
	Test         int `json:"test"`
	// TestFrozen is how many test items were already frozen by earlier versions.
	TestFrozen int `json:"test_frozen"`
}

// FileInfo is one dataset file.
type FileInfo struct {
	Path   string `json:"path"`
	Lines  int    `json:"lines"`
	SHA256 string `json:"sha256"`
}

// Dataset file names in a version's directory.
const (
	FileManifest = "manifest.json"
)

// fileName of a split in a format ("openai" or "neutral").
func fileName(split, format string) string {
	if format == "neutral" {
		return split + ".neutral.jsonl"
	}
	return split + ".jsonl"
}

// normalisationDoc is recorded in manifests.
const normalisationDoc = "lowercase; digits, punctuation and symbols become spaces; whitespace collapsed; over every prompt message's text and tool calls plus the offered tool names"
