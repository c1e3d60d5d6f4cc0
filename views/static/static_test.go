package static_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"onramp.dev/views/static"
)

func TestFiles(t *testing.T) {
	tests := []struct {
		name     string
		contains []string
	}{
		{"htmx.min.js", []string{`version:"2.0.11"`, "includeIndicatorStyles"}},
		{"htmx.LICENSE", []string{"Zero-Clause BSD"}},
		{"onramp.css", []string{"font-family", ".htmx-indicator", "@media"}},
		{"live.js", []string{"EventSource", "data-live", "\"live\""}},
	}
	for _, tt := range tests {
		b, err := fs.ReadFile(static.FS, tt.name)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		for _, want := range tt.contains {
			if !strings.Contains(string(b), want) {
				t.Errorf("%s lacks %q", tt.name, want)
			}
		}
	}
}

// TestCSSSelfContained checks that the stylesheet loads nothing from elsewhere
// (the CSP allows only 'self' and data: images).
func TestCSSSelfContained(t *testing.T) {
	b, err := fs.ReadFile(static.FS, "onramp.css")
	if err != nil {
		t.Fatal(err)
	}
	css := strings.ToLower(string(b))
	for _, bad := range []string{"@import", "url(", "expression(", "http:", "https:"} {
		if strings.Contains(css, bad) {
			t.Errorf("onramp.css contains %q", bad)
		}
	}
}

// Files are served under content-hashed names for a year, gzip-compressed when the client
// accepts it, under their plain names for five minutes, and revalidated by ETag.
func TestHandler(t *testing.T) {
	h := http.StripPrefix("/static/", static.Handler())
	get := func(path string, header ...string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", path, nil)
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	css, _ := fs.ReadFile(static.FS, "onramp.css")
	hashed := static.Path("onramp.css")
	if hashed == "/static/onramp.css" || !strings.HasSuffix(hashed, ".css") {
		t.Fatalf("Path(onramp.css) = %q", hashed)
	}
	for _, tc := range []struct {
		name, path, accept, cache, encoding string
		status                              int
	}{
		{"hashed, gzip", hashed, "br, gzip;q=0.8", "public, max-age=31536000, immutable", "gzip", 200},
		{"hashed, identity", hashed, "", "public, max-age=31536000, immutable", "", 200},
		{"gzip refused", hashed, "gzip;q=0", "public, max-age=31536000, immutable", "", 200},
		{"plain name", "/static/onramp.css", "gzip", "public, max-age=300", "gzip", 200},
		{"favicon", static.Path("favicon.svg"), "gzip", "public, max-age=31536000, immutable", "gzip", 200},
		{"unknown", "/static/nope.css", "gzip", "", "", 404},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := get(tc.path, "Accept-Encoding", tc.accept)
			if rec.Code != tc.status {
				t.Fatalf("status %d", rec.Code)
			}
			if tc.status != 200 {
				return
			}
			if got := rec.Header().Get("Cache-Control"); got != tc.cache {
				t.Errorf("Cache-Control = %q", got)
			}
			if got := rec.Header().Get("Content-Encoding"); got != tc.encoding {
				t.Fatalf("Content-Encoding = %q", got)
			}
			body := rec.Body.Bytes()
			if tc.encoding == "gzip" {
				zr, err := gzip.NewReader(bytes.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				if body, err = io.ReadAll(zr); err != nil {
					t.Fatal(err)
				}
			}
			if tc.path == hashed && !bytes.Equal(body, css) {
				t.Error("body differs from onramp.css")
			}
		})
	}
	etag := get(hashed).Header().Get("ETag")
	if rec := get(hashed, "If-None-Match", etag); etag == "" || rec.Code != http.StatusNotModified {
		t.Errorf("revalidation with ETag %q: %d", etag, rec.Code)
	}
	if ct := get(static.Path("favicon.svg")).Header().Get("Content-Type"); ct != "image/svg+xml" {
		t.Errorf("favicon Content-Type = %q", ct)
	}
}
