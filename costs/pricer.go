package costs

import (
	"strings"
	"sync"
	"sync/atomic"

	"github.com/fledgling-ai/fledgling/internal/config"
	"github.com/fledgling-ai/fledgling/internal/openai"
)

// Pricer prices usage on public model names (what clients send). It
// implements gateway.Pricer and is safe for concurrent use; Reload swaps the
// whole price table atomically, so a call is priced wholly by the old or
// wholly by the new config.
type Pricer struct {
	cur atomic.Pointer[priceTable]
}

// priceTable is one immutable config + catalogue; resolved names are memoised.
type priceTable struct {
	cat       *Catalogue
	models    map[string]config.Model
	providers map[string]config.Provider
	memo      sync.Map // public name -> resolved
}

type resolved struct {
	rates Rates
	ok    bool
}

// NewPricer loads the catalogue (embedded + costs.catalogue_file) and the
// per-model overrides of cfg.
func NewPricer(cfg *config.Config) (*Pricer, error) {
	p := &Pricer{}
	if err := p.Reload(cfg); err != nil {
		return nil, err
	}
	return p, nil
}

// Reload builds a new price table from cfg and swaps it in. On error the
// current table stays.
func (p *Pricer) Reload(cfg *config.Config) error {
	cat, err := LoadCatalogue(cfg.Costs.CatalogueFile)
	if err != nil {
		return err
	}
	p.cur.Store(&priceTable{cat: cat, models: cfg.Models, providers: cfg.Providers})
	return nil
}

// Cost implements gateway.Pricer: micro-USD for u on public model name, and
// false when the model has no price or the usage is unknown (see Rates.Cost).
func (p *Pricer) Cost(model string, u openai.Usage) (int64, bool) {
	r, ok := p.Rates(model)
	if !ok {
		return 0, false
	}
	return r.Cost(u)
}

// Rates returns the price of a public model name, and false if it has none.
func (p *Pricer) Rates(model string) (Rates, bool) {
	t := p.cur.Load()
	if v, ok := t.memo.Load(model); ok {
		r := v.(resolved)
		return r.rates, r.ok
	}
	r, ok := t.resolve(model)
	t.memo.Store(model, resolved{r, ok})
	return r, ok
}

// Catalogue is the catalogue in use (for listing and its date).
func (p *Pricer) Catalogue() *Catalogue { return p.cur.Load().cat }

// resolve prices a public name: config self_hosted, else the catalogue entry
// of its upstream name with the config pricing override on top.
func (t *priceTable) resolve(public string) (Rates, bool) {
	m, inConfig := t.models[public]
	if !inConfig {
		m = t.models["*"]
	}
	if m.SelfHosted != nil {
		return selfHostedRates(*m.SelfHosted)
	}
	var r Rates
	if e, key, ok := t.cat.Lookup(t.catalogueKeys(public, m)...); ok {
		r = ratesFromEntry(e, key)
	}
	if m.Pricing != nil {
		r = r.withOverride(m.Pricing)
	}
	return r, r.Input.OK || r.Output.OK
}

// catalogueKeys are the names tried in the catalogue, most specific first:
// the upstream name, then prefixed by the provider's name and type (LiteLLM
// keys such as "gemini/gemini-2.5-pro"), then the public name.
func (t *priceTable) catalogueKeys(public string, m config.Model) []string {
	up := m.UpstreamName(public)
	keys := []string{up}
	if m.Provider != "" {
		keys = append(keys, m.Provider+"/"+up)
		if typ := t.providers[m.Provider].Type; typ != "" && typ != m.Provider {
			keys = append(keys, typ+"/"+up)
		}
	}
	if public != up {
		keys = append(keys, public)
	}
	if i := strings.Index(up, "/"); i > 0 {
		keys = append(keys, up[i+1:])
	}
	return keys
}
