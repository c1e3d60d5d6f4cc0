package web

import (
	_ "embed"
	"net/http"
)

// openAPI describes the whole JSON API; a test keeps it in step with the routes.
//
//go:embed openapi.json
var openAPI []byte

func serveOpenAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(openAPI)
}
