package dashboard

import (
	"embed"
	"io/fs"
	"net/http"
)

// assets are the page, its script and style, and the vendored Chart.js
// (see assets/vendor.sh); nothing is loaded from a CDN.
//
//go:embed assets/index.html assets/dashboard.js assets/dashboard.css assets/chart.umd.min.js
var assets embed.FS

func servePage(w http.ResponseWriter, r *http.Request) {
	page, err := assets.ReadFile("assets/index.html")
	if err != nil {
		http.Error(w, "dashboard page missing from the build", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'")
	w.Write(page)
}

func assetHandler() http.Handler {
	sub, _ := fs.Sub(assets, "assets")
	return http.StripPrefix("/dashboard/assets/", http.FileServerFS(sub))
}
