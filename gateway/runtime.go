package gateway

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"reflect"

	"github.com/fledgling-ai/fledgling/internal/config"
	"github.com/fledgling-ai/fledgling/internal/provider"
)

// runtime is the compiled form of one config: provider clients, model
// resolution and hashed keys. It is immutable and swapped atomically on
// reload; a request keeps the runtime it started with.
type runtime struct {
	cfg       *config.Config
	clients   map[string]*provider.Client
	keys      []vkey
	adminKeys []vkey
	learned   *learnedInfo // nil without learned routes (features.go)
}

// vkey is a virtual key: only its SHA-256 is kept.
type vkey struct {
	name   string
	hash   [32]byte
	routes map[string]bool
	models map[string]bool
}

// target is a public model name resolved to the upstream that serves it.
type target struct {
	public   string
	upstream string
	provider string
	client   *provider.Client
}

// renamed reports whether the upstream knows the model by another name.
func (t target) renamed() bool { return t.public != t.upstream }

func compileRuntime(cfg *config.Config, prev *runtime) (*runtime, error) {
	rt := &runtime{cfg: cfg, clients: map[string]*provider.Client{}, learned: compileLearnedInfo(cfg)}
	for name, p := range cfg.Providers {
		if prev != nil && reflect.DeepEqual(prev.cfg.Providers[name], p) && prev.clients[name] != nil {
			rt.clients[name] = prev.clients[name] // keep its warm connections
			continue
		}
		c, err := provider.New(name, p)
		if err != nil {
			return nil, err
		}
		rt.clients[name] = c
	}
	var err error
	if rt.keys, err = compileKeys(cfg.Auth.Keys); err != nil {
		return nil, err
	}
	if rt.adminKeys, err = compileKeys(cfg.Auth.AdminKeys); err != nil {
		return nil, err
	}
	return rt, nil
}

func compileKeys(keys []config.VirtualKey) ([]vkey, error) {
	out := make([]vkey, 0, len(keys))
	for _, k := range keys {
		v := vkey{name: k.Name, routes: set(k.Routes), models: set(k.Models)}
		switch {
		case k.SHA256 != "":
			b, err := hex.DecodeString(k.SHA256)
			if err != nil || len(b) != 32 {
				return nil, fmt.Errorf("key %s: sha256 must be 64 hex characters", k.Name)
			}
			copy(v.hash[:], b)
		case k.Env != "":
			secret := os.Getenv(k.Env)
			if secret == "" {
				return nil, fmt.Errorf("key %s: environment variable %s is unset or empty", k.Name, k.Env)
			}
			v.hash = sha256.Sum256([]byte(secret))
		default:
			v.hash = sha256.Sum256([]byte(k.Key))
		}
		out = append(out, v)
	}
	return out, nil
}

func set(list []string) map[string]bool {
	if len(list) == 0 {
		return nil
	}
	m := make(map[string]bool, len(list))
	for _, s := range list {
		m[s] = true
	}
	return m
}

// resolve finds the upstream of a public model name (its entry, or "*").
func (rt *runtime) resolve(public string) (target, error) {
	m, ok := rt.cfg.Models[public]
	if !ok {
		if m, ok = rt.cfg.Models["*"]; !ok {
			return target{}, modelNotFound(public)
		}
	}
	c := rt.clients[m.Provider]
	if c == nil {
		return target{}, fmt.Errorf("model %s: provider %q has no client", public, m.Provider)
	}
	return target{public: public, upstream: m.UpstreamName(public), provider: m.Provider, client: c}, nil
}
