package web

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"onramp.dev/events"
)

// The OpenAPI document lists exactly the API routes the server has, and every
// $ref in it resolves.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	var doc struct {
		OpenAPI string                               `json:"openapi"`
		Paths   map[string]map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(openAPI, &doc); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi = %q", doc.OpenAPI)
	}
	var documented []string
	for path, ops := range doc.Paths {
		for method, op := range ops {
			documented = append(documented, strings.ToUpper(method)+" "+path)
			if op["responses"] == nil || op["summary"] == nil {
				t.Errorf("%s %s lacks summary or responses", method, path)
			}
		}
	}
	var served []string
	for _, rt := range (&Main{}).apiRoutes() {
		served = append(served, rt.pattern)
	}
	slices.Sort(documented)
	slices.Sort(served)
	if !slices.Equal(documented, served) {
		t.Errorf("documented %v\nserved     %v", documented, served)
	}
	var whole struct {
		Components map[string]map[string]any `json:"components"`
	}
	if err := json.Unmarshal(openAPI, &whole); err != nil {
		t.Fatal(err)
	}
	refs := refsIn(string(openAPI))
	for _, ref := range refs {
		kind, key, _ := strings.Cut(strings.TrimPrefix(ref, "#/components/"), "/")
		if _, ok := whole.Components[kind][key]; !ok {
			t.Errorf("dangling $ref %s", ref)
		}
	}
	if len(refs) == 0 {
		t.Error("no $refs at all: the document lost its components")
	}
}

func refsIn(s string) []string {
	var out []string
	for {
		i := strings.Index(s, `"$ref": "`)
		if i < 0 {
			return out
		}
		s = s[i+9:]
		out = append(out, s[:strings.IndexByte(s, '"')])
	}
}

func TestEveryErrorCodeHasAStatus(t *testing.T) {
	for _, c := range []string{events.CodeBadRequest, events.CodeUnauthorized, events.CodeForbidden, events.CodeNotFound,
		events.CodeConflict, events.CodeGone, events.CodeInvalid, events.CodeTooMany, events.CodeTooLarge, events.CodeMethod, events.CodeUnavailable, events.CodeInternal} {
		if _, ok := statusOf[c]; !ok {
			t.Errorf("no status for %s", c)
		}
	}
}

// At most two exports are written at a time; a third waits for a turn, and gets one when
// an export ends, or 503 with Retry-After when none ends in time — as an API error or as
// an error page.
func TestExportsTakeTurns(t *testing.T) {
	m := New(nil, slog.New(slog.DiscardHandler), Config{})
	m.exportWait = 50 * time.Millisecond
	ctx := context.Background()
	var releases []func()
	for range maxExports {
		release, err := m.exportTurn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		releases = append(releases, release)
	}
	for _, path := range []string{"/api/v1/reports/skill-matrix?format=csv", "/onboarding/all.csv"} {
		w := httptest.NewRecorder()
		if _, ok := m.startExport(w, httptest.NewRequest(http.MethodGet, path, nil)); ok {
			t.Fatalf("%s: a third export got a turn", path)
		}
		if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" {
			t.Fatalf("%s: %d, Retry-After %q", path, w.Code, w.Header().Get("Retry-After"))
		}
	}
	// A waiting export gets the turn an ending one gives back.
	m.exportWait = time.Minute
	got := make(chan error)
	go func() {
		release, err := m.exportTurn(ctx)
		if err == nil {
			release()
		}
		got <- err
	}()
	releases[0]()
	if err := <-got; err != nil {
		t.Fatalf("waiting export: %v", err)
	}
	releases[1]()
}
