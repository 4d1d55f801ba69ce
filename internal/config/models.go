package config

// Model maps a public model name (what clients send) to an upstream.
// The key "*" forwards any name not listed to its provider unchanged.
type Model struct {
	// Provider names an entry of providers.
	Provider string `yaml:"provider"`
	// Model is the upstream model name. Default: the public name.
	Model string `yaml:"model"`
	// Pricing overrides the catalogue for this model (see costs).
	Pricing *Pricing `yaml:"pricing"`
	// SelfHosted prices a model you serve yourself by GPU time.
	SelfHosted *SelfHosted `yaml:"self_hosted"`
}

// Pricing is a per-model price override, in USD per million tokens.
type Pricing struct {
	InputPerMTok       *float64 `yaml:"input_per_mtok"`
	OutputPerMTok      *float64 `yaml:"output_per_mtok"`
	CachedInputPerMTok *float64 `yaml:"cached_input_per_mtok"`
	CacheWritePerMTok  *float64 `yaml:"cache_write_per_mtok"`
	ReasoningPerMTok   *float64 `yaml:"reasoning_per_mtok"`
}

// SelfHosted prices a model by GPU time: cost per token =
// gpu_hour_usd / 3600 / tokens_per_second, or a direct per-million price.
type SelfHosted struct {
	GPUHourUSD      float64  `yaml:"gpu_hour_usd"`
	TokensPerSecond float64  `yaml:"tokens_per_second"`
	PerMTokUSD      *float64 `yaml:"per_mtok_usd"`
}

func validateModels(ps *problems, models map[string]Model, providers map[string]Provider) {
	if len(models) == 0 {
		ps.add("models", "at least one model is required (use \"*\" to forward every name)")
	}
	for _, name := range sortedKeys(models) {
		m, path := models[name], "models."+name
		if _, ok := providers[m.Provider]; !ok {
			ps.add(path+".provider", "unknown provider %q", m.Provider)
		}
		if name == "*" && m.Model != "" {
			ps.add(path+".model", "the \"*\" entry forwards names unchanged and takes no model")
		}
		if sh := m.SelfHosted; sh != nil && sh.PerMTokUSD == nil {
			if sh.GPUHourUSD <= 0 || sh.TokensPerSecond <= 0 {
				ps.add(path+".self_hosted", "needs gpu_hour_usd > 0 and tokens_per_second > 0, or per_mtok_usd")
			}
		}
	}
}

// UpstreamName is the name sent upstream for public model name pub.
func (m Model) UpstreamName(pub string) string {
	if m.Model == "" {
		return pub
	}
	return m.Model
}
