package e2e

import (
	"encoding/json"
	"io"
	"slices"
	"strings"
	"testing"
)

// Web shows what identity opens: each demo person's header, home cards and /api/v1/me
// follow the sections identity decided for their role, and only those.
func TestNavigationFollowsIdentity(t *testing.T) {
	p := startPortal(t)
	manager := []string{"/people", "/onboarding/all", "/skills/team", "/skills/reports", "/skills/import",
		"/training/team", "/training/report", "/mentorship/find", "/mentorship/coverage"}
	links := []string{"/people", "/onboarding/team", "/onboarding/all", "/skills/team", "/skills/reports", "/skills/import",
		"/training/team", "/training/report", "/mentorship/find", "/mentorship/coverage"}
	for _, c := range []struct {
		email string
		opens []string // of links, the pages home or the header link
		me    []string // some sections /api/v1/me must list
		notMe []string // and some it must not
	}{
		{"hire@demo.onramp", nil, []string{"onboarding.mine"}, []string{"people", "onboarding.plans"}},
		{"mentor@demo.onramp", nil, []string{"onboarding.plans"}, []string{"people", "onboarding.mine"}},
		{"it@demo.onramp", nil, nil, []string{"people", "onboarding.plans"}},
		{"lead@demo.onramp", []string{"/people", "/onboarding/team", "/skills/team", "/training/team", "/mentorship/find"},
			[]string{"people", "onboarding.team"}, []string{"people.manage", "skills.import"}},
		{"hr@demo.onramp", manager, []string{"people.manage", "notify.problems"}, []string{"onboarding.team", "onboarding.mine"}},
		{"admin@demo.onramp", manager, []string{"people.manage", "teams.all"}, []string{"onboarding.team", "onboarding.mine"}},
	} {
		t.Run(c.email, func(t *testing.T) {
			cl := newClient(p.URL())
			login(t, cl, c.email)
			b, _ := io.ReadAll(cl.do(t, "GET", "/", "", "").Body)
			home := string(b)
			if !strings.Contains(home, `id="logout"`) {
				t.Fatalf("not signed in:\n%s", home)
			}
			for _, l := range links {
				if got, want := strings.Contains(home, `href="`+l+`"`), slices.Contains(c.opens, l); got != want {
					t.Errorf("home links %s: %v, want %v", l, got, want)
				}
			}
			resp := cl.do(t, "GET", "/api/v1/me", "", "")
			var me struct {
				Opens []string `json:"opens"`
			}
			if err := json.NewDecoder(resp.Body).Decode(&me); err != nil || resp.StatusCode != 200 {
				t.Fatalf("me: %d %v", resp.StatusCode, err)
			}
			for _, s := range c.me {
				if !slices.Contains(me.Opens, s) {
					t.Errorf("me opens %v, lacks %s", me.Opens, s)
				}
			}
			for _, s := range c.notMe {
				if slices.Contains(me.Opens, s) {
					t.Errorf("me opens %v, has %s", me.Opens, s)
				}
			}
		})
	}
}
