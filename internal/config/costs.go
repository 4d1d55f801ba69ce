package config

import "os"

// Costs configures pricing and the cost header.
type Costs struct {
	// CatalogueFile is a LiteLLM model_prices_and_context_window.json to use
	// on top of the embedded catalogue (its entries replace embedded entries
	// of the same name). Read at start and on reload, never fetched.
	CatalogueFile string `yaml:"catalogue_file"`
	// Header adds x-fledgling-cost-usd to non-streamed responses. Default true.
	Header *bool `yaml:"header"`
	// HeaderOnStreams adds it as an HTTP trailer on streams. Default false.
	HeaderOnStreams bool `yaml:"header_on_streams"`
}

func (c *Costs) setDefaults() {
	if c.Header == nil {
		on := true
		c.Header = &on
	}
}

func (c *Costs) validate(ps *problems, models map[string]Model) {
	if c.CatalogueFile != "" {
		if _, err := os.Stat(c.CatalogueFile); err != nil {
			ps.add("costs.catalogue_file", "cannot read the price catalogue: %v", err)
		}
	}
	for _, name := range sortedKeys(models) {
		if p := models[name].Pricing; p != nil {
			for _, v := range []*float64{p.InputPerMTok, p.OutputPerMTok, p.CachedInputPerMTok, p.CacheWritePerMTok, p.ReasoningPerMTok} {
				if v != nil && *v < 0 {
					ps.add("models."+name+".pricing", "prices must not be negative")
					break
				}
			}
		}
	}
}
