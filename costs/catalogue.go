package costs

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"sort"
	"strings"
)

// embeddedCatalogue is Fledgling's curated price list, in LiteLLM's
// model_prices_and_context_window.json schema. Its "sample_spec" entry carries
// the date the prices were checked (CatalogueDate).
//
//go:embed catalogue.json
var embeddedCatalogue []byte

// Entry is one model of a LiteLLM-format catalogue. Prices are USD per token;
// a nil price is absent (not zero). Unknown fields are ignored.
type Entry struct {
	InputCostPerToken           *float64 `json:"input_cost_per_token"`
	OutputCostPerToken          *float64 `json:"output_cost_per_token"`
	CacheReadInputTokenCost     *float64 `json:"cache_read_input_token_cost"`
	CacheCreationInputTokenCost *float64 `json:"cache_creation_input_token_cost"`
	OutputCostPerReasoningToken *float64 `json:"output_cost_per_reasoning_token"`
	LiteLLMProvider             string   `json:"litellm_provider"`
	Mode                        string   `json:"mode"`
	// CatalogueDate is set on the sample_spec entry of Fledgling's catalogue.
	CatalogueDate string `json:"fledgling_catalogue_date,omitempty"`
}

// Catalogue is a set of priced models keyed by name as written in the file
// (e.g. "gpt-4o", "gemini/gemini-2.5-pro"), plus an index of bare names
// (the part after the last "/") that are unambiguous.
type Catalogue struct {
	entries map[string]Entry
	bare    map[string]string // bare name -> key, only when unambiguous
	// Date is the embedded catalogue's date; Sources lists what was loaded.
	Date    string
	Sources []string
}

// ParseCatalogue reads a LiteLLM-format JSON object. Entries without any
// price (e.g. sample_spec, image-only models) are kept out of the index.
func ParseCatalogue(raw []byte) (map[string]Entry, string, error) {
	var all map[string]json.RawMessage
	if err := json.Unmarshal(raw, &all); err != nil {
		return nil, "", fmt.Errorf("catalogue is not a JSON object: %w", err)
	}
	out := make(map[string]Entry, len(all))
	date := ""
	for name, msg := range all {
		var e Entry
		if err := json.Unmarshal(msg, &e); err != nil {
			continue // LiteLLM entries vary; one odd entry must not reject the file
		}
		if name == "sample_spec" {
			date = e.CatalogueDate
			continue
		}
		if err := e.check(); err != nil {
			return nil, "", fmt.Errorf("catalogue entry %q: %w", name, err)
		}
		if e.InputCostPerToken != nil || e.OutputCostPerToken != nil {
			out[name] = e
		}
	}
	return out, date, nil
}

// check rejects negative or non-finite prices.
func (e Entry) check() error {
	for _, p := range []*float64{e.InputCostPerToken, e.OutputCostPerToken, e.CacheReadInputTokenCost, e.CacheCreationInputTokenCost, e.OutputCostPerReasoningToken} {
		if p != nil && (*p < 0 || math.IsNaN(*p) || math.IsInf(*p, 0)) {
			return fmt.Errorf("price %v is not a non-negative number", *p)
		}
	}
	return nil
}

// LoadCatalogue returns the embedded catalogue overlaid by the file at path
// (when path is not empty). A file entry replaces the embedded entry of the
// same name entirely.
func LoadCatalogue(path string) (*Catalogue, error) {
	base, date, err := ParseCatalogue(embeddedCatalogue)
	if err != nil {
		return nil, fmt.Errorf("embedded catalogue: %w", err)
	}
	c := &Catalogue{entries: base, Date: date, Sources: []string{"embedded " + date}}
	if path != "" {
		raw, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("read costs.catalogue_file: %w", err)
		}
		user, _, err := ParseCatalogue(raw)
		if err != nil {
			return nil, fmt.Errorf("costs.catalogue_file %s: %w", path, err)
		}
		for k, e := range user {
			c.entries[k] = e
		}
		c.Sources = append(c.Sources, path)
	}
	c.index()
	return c, nil
}

func (c *Catalogue) index() {
	seen := map[string][]string{}
	for k := range c.entries {
		b := k[strings.LastIndex(k, "/")+1:]
		seen[b] = append(seen[b], k)
	}
	c.bare = map[string]string{}
	for b, keys := range seen {
		if len(keys) == 1 {
			c.bare[b] = keys[0]
		}
	}
}

// Lookup returns the entry for the first key that exists, then tries each
// key's bare name in the unambiguous index.
func (c *Catalogue) Lookup(keys ...string) (Entry, string, bool) {
	for _, k := range keys {
		if e, ok := c.entries[k]; ok {
			return e, k, true
		}
	}
	for _, k := range keys {
		if full, ok := c.bare[k[strings.LastIndex(k, "/")+1:]]; ok {
			return c.entries[full], full, true
		}
	}
	return Entry{}, "", false
}

// Names lists the catalogue's model keys, sorted.
func (c *Catalogue) Names() []string {
	out := make([]string, 0, len(c.entries))
	for k := range c.entries {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
