package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// Every API answer the end-to-end tests receive is validated against the OpenAPI document
// the server publishes: the operation exists, the status is described, and the body
// matches its schema.
var apiDoc struct {
	once   sync.Once
	router routers.Router
	err    error
}

func openAPIRouter(base string) (routers.Router, error) {
	apiDoc.once.Do(func() {
		resp, err := http.Get(base + "/api/v1/openapi.json")
		if err != nil {
			apiDoc.err = err
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromData(b)
		if err != nil {
			apiDoc.err = err
			return
		}
		if err := doc.Validate(context.Background()); err != nil {
			apiDoc.err = err
			return
		}
		apiDoc.router, apiDoc.err = gorillamux.NewRouter(doc)
	})
	return apiDoc.router, apiDoc.err
}

// checkAgainstOpenAPI validates one API answer; the body is read and put back for the
// test.
func checkAgainstOpenAPI(t *testing.T, base string, req *http.Request, resp *http.Response) {
	t.Helper()
	if err := validateAnswer(base, req, resp); err != nil {
		t.Error(err)
	}
}

func validateAnswer(base string, req *http.Request, resp *http.Response) error {
	if !strings.HasPrefix(req.URL.Path, "/api/v1/") || req.URL.Path == "/api/v1/openapi.json" {
		return nil
	}
	router, err := openAPIRouter(base)
	if err != nil {
		return fmt.Errorf("openapi: %w", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	probe := req.Clone(context.Background())
	probe.URL.Scheme, probe.URL.Host, probe.Host = "", "", ""
	route, params, err := router.FindRoute(probe)
	if err != nil {
		if resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusMethodNotAllowed {
			return fmt.Errorf("openapi: %s %s answered %d but is not in the document", req.Method, req.URL.Path, resp.StatusCode)
		}
		return nil
	}
	opts := &openapi3filter.Options{IncludeResponseStatus: true, AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: probe, PathParams: params, Route: route, Options: opts},
		Status:                 resp.StatusCode,
		Header:                 resp.Header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                opts,
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		msg := err.Error()
		if len(msg) > 600 {
			msg = msg[:600] + "…"
		}
		return fmt.Errorf("openapi: %s %s → %d does not match the document: %s", req.Method, req.URL.Path, resp.StatusCode, msg)
	}
	return nil
}

// The validation catches a mismatch: a body of the wrong shape, an undescribed status.
func TestOpenAPIValidationCatchesMismatches(t *testing.T) {
	p := startPortal(t)
	for _, tc := range []struct {
		status int
		body   string
	}{
		{200, `{"id":1}`},
		{418, `{}`},
	} {
		req, _ := http.NewRequest("GET", p.URL()+"/api/v1/me", nil)
		resp := &http.Response{StatusCode: tc.status, Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(tc.body))}
		if err := validateAnswer(p.URL(), req, resp); err == nil {
			t.Errorf("GET /api/v1/me → %d %s passed validation", tc.status, tc.body)
		}
	}
}
