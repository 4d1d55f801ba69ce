package config

import (
	"encoding/hex"
	"fmt"
	"os"
)

// Auth decides who may call the gateway.
type Auth struct {
	// Mode is "keys" (virtual keys required) or "none". Default "keys".
	Mode string `yaml:"mode"`
	// AllowNoneOnPublicListen must be true for mode "none" on a non-loopback
	// listen address: an open gateway spends your provider keys for anyone.
	AllowNoneOnPublicListen bool `yaml:"allow_none_on_public_listen"`
	// Keys are the virtual keys clients send as "Authorization: Bearer <key>".
	Keys []VirtualKey `yaml:"keys"`
	// AdminKeys may call /admin/v1/* and /v1/dashboard/*. With mode "none"
	// and no admin keys, the admin API is open only on a loopback listen.
	AdminKeys []VirtualKey `yaml:"admin_keys"`
}

// VirtualKey is one client credential. Exactly one of SHA256, Env or Key
// gives the secret; only its hash is kept after loading.
type VirtualKey struct {
	// Name identifies the key in captures, metrics and the dashboard (never the secret).
	Name string `yaml:"name"`
	// SHA256 is the hex SHA-256 of the key.
	SHA256 string `yaml:"sha256"`
	// Env names an environment variable holding the key.
	Env string `yaml:"env"`
	// Key is the key in clear (discouraged; prefer sha256 or env).
	Key string `yaml:"key"`
	// Routes, when set, limits the key to these route names.
	Routes []string `yaml:"routes"`
	// Models, when set, limits the key to these public model names.
	Models []string `yaml:"models"`
}

func (a *Auth) setDefaults() {
	if a.Mode == "" {
		a.Mode = "keys"
	}
}

func (a *Auth) validate(ps *problems, listen string) {
	switch a.Mode {
	case "keys":
		if len(a.Keys) == 0 {
			ps.add("auth.keys", "mode \"keys\" needs at least one key (or set auth.mode: none)")
		}
	case "none":
		if !IsLoopback(listen) && !a.AllowNoneOnPublicListen {
			ps.add("auth.mode", "\"none\" on non-loopback address %q: set auth.allow_none_on_public_listen: true to confirm", listen)
		}
	default:
		ps.add("auth.mode", "must be \"keys\" or \"none\", got %q", a.Mode)
	}
	validateKeys(ps, "auth.keys", a.Keys)
	validateKeys(ps, "auth.admin_keys", a.AdminKeys)
}

func validateKeys(ps *problems, path string, keys []VirtualKey) {
	seen := map[string]bool{}
	for i, k := range keys {
		p := fmt.Sprintf("%s[%d]", path, i)
		if k.Name == "" {
			ps.add(p+".name", "is required")
		} else if seen[k.Name] {
			ps.add(p+".name", "duplicate key name %q", k.Name)
		}
		seen[k.Name] = true
		n := 0
		for _, s := range []string{k.SHA256, k.Env, k.Key} {
			if s != "" {
				n++
			}
		}
		if n != 1 {
			ps.add(p, "exactly one of sha256, env or key must be set")
		}
		if k.Env != "" && n == 1 && os.Getenv(k.Env) == "" {
			ps.add(p+".env", "environment variable %s is unset or empty", k.Env)
		}
		if k.SHA256 != "" {
			if b, err := hex.DecodeString(k.SHA256); err != nil || len(b) != 32 {
				ps.add(p+".sha256", "must be 64 hex characters")
			}
		}
	}
}

// validateLimits checks that keys are limited to routes and models that exist.
func (a *Auth) validateLimits(ps *problems, routes []Route, models map[string]Model) {
	names := map[string]bool{}
	for _, r := range routes {
		names[r.Name] = true
	}
	for i, k := range a.Keys {
		for j, r := range k.Routes {
			if !names[r] {
				ps.add(fmt.Sprintf("auth.keys[%d].routes[%d]", i, j), "unknown route %q", r)
			}
		}
		for j, m := range k.Models {
			if _, ok := models[m]; !ok && !routeServes(routes, m) {
				if _, star := models["*"]; !star {
					ps.add(fmt.Sprintf("auth.keys[%d].models[%d]", i, j), "unknown model %q", m)
				}
			}
		}
	}
}

func routeServes(routes []Route, model string) bool {
	for _, r := range routes {
		for _, m := range r.Match.Models {
			if m == model {
				return true
			}
		}
	}
	return false
}
