package static_test

import (
	"io/fs"
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
