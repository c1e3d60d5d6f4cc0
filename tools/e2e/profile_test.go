package e2e

import (
	"io"
	"strings"
	"testing"
)

// TestProfileShowsWhatEachServiceAllows opens the demo hire's profile as each role: each
// part is there exactly when its owning service lets the viewer see it, and someone no
// service lets in is refused.
func TestProfileShowsWhatEachServiceAllows(t *testing.T) {
	p := startPortal(t)
	parts := []string{`id="profile-facts"`, `id="profile-onboarding"`, `id="profile-training"`, `id="profile-skills"`}
	tests := []struct {
		viewer string
		status int
		want   []bool // per part
	}{
		{"hire", 200, []bool{true, true, true, true}},
		{"lead", 200, []bool{true, true, true, true}},
		{"hr", 200, []bool{true, true, true, true}},
		{"admin", 200, []bool{true, true, true, true}},
		{"mentor", 200, []bool{true, true, false, false}}, // onboarding lets the mentor in; training and skills do not
		{"it", 403, nil},
	}
	for _, tt := range tests {
		t.Run(tt.viewer, func(t *testing.T) {
			c := newClient(p.URL())
			login(t, c, tt.viewer+"@demo.onramp")
			resp := c.do(t, "GET", "/people/demo-hire", "", "")
			b, _ := io.ReadAll(resp.Body)
			body := string(b)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.status)
			}
			for i, part := range tt.want {
				if got := strings.Contains(body, parts[i]); got != part {
					t.Errorf("%s shown: %v, want %v", parts[i], got, part)
				}
			}
			if tt.status == 200 && !strings.Contains(body, `href="/people/demo-mentor"`) {
				t.Errorf("the mentor's name does not link to their profile")
			}
		})
	}

	// Names link to profiles: the people list, and the gaps link the modules that close them.
	c := newClient(p.URL())
	login(t, c, "hr@demo.onramp")
	b, _ := io.ReadAll(c.do(t, "GET", "/people", "", "").Body)
	if !strings.Contains(string(b), `<a class="person" href="/people/demo-hire">`) {
		t.Fatalf("the people list does not link names to profiles")
	}
	b, _ = io.ReadAll(c.do(t, "GET", "/people/demo-hire", "", "").Body)
	if strings.Contains(string(b), `data-gap=`) && !strings.Contains(string(b), `class="module" data-module=`) {
		t.Fatalf("a gap does not link the module that closes it")
	}
}
