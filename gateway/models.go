package gateway

import (
	"sort"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/fledgling-ai/fledgling/router"
)

type modelObject struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Created int64  `json:"created"`
	OwnedBy string `json:"owned_by"`
}

// listModels answers GET /v1/models with the configured public names the
// caller's key may use ("*" forwards any name and is not listed).
func (s *Server) listModels(c *gin.Context) {
	rt := s.rt.Load()
	k, err := rt.authenticate(c.Request)
	if err != nil {
		writeError(c.Writer, err)
		return
	}
	names := make([]string, 0, len(rt.cfg.Models))
	for name := range rt.cfg.Models {
		if name != "*" && k.allowsModel(name) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	data := make([]modelObject, len(names))
	for i, n := range names {
		data[i] = modelObject{ID: n, Object: "model", Created: s.started.Unix(), OwnedBy: rt.cfg.Models[n].Provider}
	}
	c.JSON(200, gin.H{"object": "list", "data": data})
}

// getModel answers GET /v1/models/{id} for any name the gateway would serve.
func (s *Server) getModel(c *gin.Context) {
	rt := s.rt.Load()
	k, err := rt.authenticate(c.Request)
	if err != nil {
		writeError(c.Writer, err)
		return
	}
	id := strings.TrimPrefix(c.Param("id"), "/")
	if id == "" {
		s.listModels(c)
		return
	}
	owner := "fledgling"
	m, ok := rt.cfg.Models[id]
	if ok {
		owner = m.Provider
	} else {
		_, derr := s.o.Router.Decide(&router.Request{Model: id, KeyID: k.keyName(), Header: func(string) string { return "" }})
		ok = derr == nil
	}
	if !ok || !k.allowsModel(id) {
		writeError(c.Writer, modelNotFound(id))
		return
	}
	c.JSON(200, modelObject{ID: id, Object: "model", Created: s.started.Unix(), OwnedBy: owner})
}
