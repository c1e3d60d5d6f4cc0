package web

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"net/http"
	"slices"
)

// The OpenAPI document of the whole JSON API is assembled from openapi/base.json (info,
// shared components, identity's paths) and one fragment per domain (openapi/<domain>.json
// with "paths" and "components"."schemas"). A test keeps it in step with the routes.
//
//go:embed openapi/*.json
var openAPIFiles embed.FS

var openAPI = mustOpenAPI()

func mustOpenAPI() []byte {
	b, err := buildOpenAPI(openAPIFiles)
	if err != nil {
		panic(err)
	}
	return b
}

func buildOpenAPI(fsys fs.FS) ([]byte, error) {
	var doc map[string]any
	if err := readJSON(fsys, "openapi/base.json", &doc); err != nil {
		return nil, err
	}
	paths := doc["paths"].(map[string]any)
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	names, _ := fs.Glob(fsys, "openapi/*.json")
	slices.Sort(names)
	for _, name := range names {
		if name == "openapi/base.json" {
			continue
		}
		var frag struct {
			Paths      map[string]any `json:"paths"`
			Components struct {
				Schemas map[string]any `json:"schemas"`
			} `json:"components"`
		}
		if err := readJSON(fsys, name, &frag); err != nil {
			return nil, err
		}
		for k := range frag.Paths {
			if _, dup := paths[k]; dup {
				return nil, fmt.Errorf("openapi: %s redefines path %s", name, k)
			}
		}
		for k := range frag.Components.Schemas {
			if _, dup := schemas[k]; dup {
				return nil, fmt.Errorf("openapi: %s redefines schema %s", name, k)
			}
		}
		maps.Copy(paths, frag.Paths)
		maps.Copy(schemas, frag.Components.Schemas)
	}
	return json.MarshalIndent(doc, "", "  ")
}

func readJSON(fsys fs.FS, name string, v any) error {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return fmt.Errorf("openapi: %w", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("openapi: %s: %w", name, err)
	}
	return nil
}

func serveOpenAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(openAPI)
}
