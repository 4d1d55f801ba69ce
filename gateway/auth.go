package gateway

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/fledgling-ai/fledgling/internal/config"
)

// bearer returns the caller's secret: "Authorization: Bearer …" or, as
// Azure clients send it, "api-key".
func bearer(r *http.Request) string {
	if a := r.Header.Get("Authorization"); a != "" {
		if len(a) > 7 && strings.EqualFold(a[:7], "bearer ") {
			return strings.TrimSpace(a[7:])
		}
		return ""
	}
	return r.Header.Get("Api-Key")
}

// match finds the key whose hash equals the secret's. Every key is compared
// in constant time, so timing reveals neither which key nor how much matched.
func match(keys []vkey, secret string) *vkey {
	if secret == "" {
		return nil
	}
	sum := sha256.Sum256([]byte(secret))
	var found *vkey
	for i := range keys {
		if subtle.ConstantTimeCompare(sum[:], keys[i].hash[:]) == 1 {
			found = &keys[i]
		}
	}
	return found
}

// authenticate identifies the caller. With auth "none" an unknown or
// missing key is allowed (a known one still names the caller).
func (rt *runtime) authenticate(r *http.Request) (*vkey, error) {
	secret := bearer(r)
	k := match(rt.keys, secret)
	if k != nil || rt.cfg.Auth.Mode == "none" {
		return k, nil
	}
	if secret == "" {
		return nil, unauthorized("You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).")
	}
	return nil, unauthorized("Incorrect API key provided.")
}

// allowsModel applies the key's model limit to the requested name.
func (k *vkey) allowsModel(model string) bool {
	return k == nil || k.models == nil || k.models[model]
}

// allowsRoute applies the key's route limit to the matched route.
func (k *vkey) allowsRoute(route string) bool {
	return k == nil || k.routes == nil || k.routes[route]
}

// limited reports a key restricted to some models or routes.
func (k *vkey) limited() bool { return k != nil && (k.models != nil || k.routes != nil) }

func (k *vkey) keyName() string {
	if k == nil {
		return ""
	}
	return k.name
}

// adminAllowed decides access to /admin/ and /v1/dashboard/: an admin key,
// or nothing at all when auth is "none", no admin keys are configured and
// the gateway only listens on loopback.
func (rt *runtime) adminAllowed(r *http.Request) bool {
	if len(rt.adminKeys) == 0 {
		return rt.cfg.Auth.Mode == "none" && config.IsLoopback(rt.cfg.Server.Listen)
	}
	return match(rt.adminKeys, bearer(r)) != nil
}
