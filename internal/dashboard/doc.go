// Package dashboard serves the cost dashboard: a JSON endpoint
// (GET /v1/dashboard/costs) that answers from the cost rollups only, never
// from raw captures, and a self-contained web page (GET /dashboard) whose
// assets are embedded, so the gateway needs no CDN or Node at run time.
//
// It exists to show that the closed loop pays: actual spend, what the same
// calls would have cost on each route's primary model, the savings realized
// by candidates already serving traffic, the savings projected for
// candidates still in shadow, and the evaluation overhead it took to find
// them. Candidate quality and promotion history come from the shadow and
// promotion loops through the small interfaces in sources.go.
package dashboard
