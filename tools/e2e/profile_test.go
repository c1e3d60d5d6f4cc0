package e2e

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestProfileShowsWhatEachServiceAllows opens the demo hire's profile as each role: each
// part is there exactly when its owning service lets the viewer see it, and someone no
// service lets in is refused.
func TestProfileShowsWhatEachServiceAllows(t *testing.T) {
	p := startPortal(t)
	parts := []string{`id="profile-facts"`, `id="profile-onboarding"`, `id="profile-training"`, `id="profile-skills"`}
	tests := []struct {
		viewer     string
		status     int
		want       []bool // per part
		mentorLink bool   // the mentor's name links: the viewer may open the mentor's profile
	}{
		{"hire", 200, []bool{true, true, true, true}, true},
		{"lead", 200, []bool{true, true, true, true}, false}, // the mentor is in another team
		{"hr", 200, []bool{true, true, true, true}, true},
		{"admin", 200, []bool{true, true, true, true}, true},
		{"mentor", 200, []bool{true, true, false, false}, true}, // onboarding lets the mentor in; training and skills do not
		{"it", 403, nil, false},
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
			if tt.status == 200 && strings.Contains(body, `href="/people/demo-mentor"`) != tt.mentorLink {
				t.Errorf("the mentor's name links to their profile: %v, want %v", !tt.mentorLink, tt.mentorLink)
			}
			if tt.status == 200 && !strings.Contains(body, "Maya Mentor") {
				t.Errorf("the mentor's name is missing")
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
	// The open training task of the plan links its module.
	b, _ = io.ReadAll(c.do(t, "GET", "/onboarding/plans/plan-demo-hire", "", "").Body)
	if !strings.Contains(string(b), `<p class="task-module"><a href="/training/modules/phishing-and-social-engineering">`) {
		t.Fatalf("the security awareness task does not link its module")
	}
}

// TestNamesLinkOnlyWhereTheViewerMayGo: on each role's pages that name people — homes, the
// team board, all onboardings, the skills matrix and reports, mentor coverage, profiles —
// the names link to profiles, and every such link opens (never a refusal).
func TestNamesLinkOnlyWhereTheViewerMayGo(t *testing.T) {
	p := startPortal(t)
	link := regexp.MustCompile(`<a class="person" href="/people/([^"]+)">`)
	tests := []struct {
		viewer string
		pages  map[string][]string // page → people it must link
	}{
		{"hire", map[string][]string{"/": {"demo-mentor"}, "/people/demo-hire": {"demo-lead", "demo-mentor"}, "/onboarding/plans/" + demoPlan: nil, "/mentorship": {"demo-mentor"}}},
		{"lead", map[string][]string{"/": {"demo-hire"}, "/onboarding/team": {"demo-hire"}, "/skills/team": {"demo-hire"},
			"/skills/reports?report=skill-matrix": {"demo-hire"}, "/people/demo-hire": {"demo-lead"}}},
		{"hr", map[string][]string{"/": {"demo-hire"}, "/onboarding/all": {"demo-hire"}, "/mentorship/coverage": {"demo-mentor"},
			"/skills/reports?report=skill-matrix": {"demo-hire", "demo-mentor"}, "/skills/reports?report=certifications": nil, "/skills/reports?report=gaps": nil,
			"/skills/reports?report=coverage": {"demo-lead", "demo-mentor"}}},
		{"mentor", map[string][]string{"/": {"demo-hire"}, "/mentorship": {"demo-hire"}, "/people/demo-hire": {"demo-mentor"}}},
	}
	for _, tt := range tests {
		t.Run(tt.viewer, func(t *testing.T) {
			c := newSignedIn(t, p.URL(), tt.viewer+"@demo.onramp")
			for page, want := range tt.pages {
				resp := c.do(t, "GET", page, "", "")
				b, _ := io.ReadAll(resp.Body)
				if resp.StatusCode != 200 {
					t.Fatalf("%s: %d", page, resp.StatusCode)
				}
				linked := map[string]bool{}
				for _, m := range link.FindAllStringSubmatch(string(b), -1) {
					linked[m[1]] = true
				}
				for _, id := range want {
					if !linked[id] {
						t.Errorf("%s does not link %s's name", page, id)
					}
				}
				for id := range linked {
					if code := c.do(t, "GET", "/people/"+id, "", "").StatusCode; code != 200 {
						t.Errorf("%s links /people/%s, which answers %d", page, id, code)
					}
				}
			}
		})
	}
	// The lead may not open the mentor of their hire (another team): the name stays plain.
	c := newSignedIn(t, p.URL(), "lead@demo.onramp")
	b, _ := io.ReadAll(c.do(t, "GET", "/people/demo-hire", "", "").Body)
	if page := string(b); strings.Contains(page, `href="/people/demo-mentor"`) || !strings.Contains(page, "Maya Mentor") {
		t.Errorf("the lead's view of the hire links the mentor, or does not name them")
	}
}

// TestDateFormatFollowsThePerson: a person's date format (a setting notify keeps) shows on
// every page, in this browser at once and in another one from its sign-in; an unknown
// format is refused next to its field.
func TestDateFormatFollowsThePerson(t *testing.T) {
	p := startPortal(t)
	us := regexp.MustCompile(`id="profile-start"><time datetime="\d{4}-\d{2}-\d{2}"[^>]*>[A-Z][a-z]{2}, [A-Z][a-z]{2} \d{1,2}, \d{4}</time>`)
	gb := regexp.MustCompile(`id="profile-start"><time datetime="\d{4}-\d{2}-\d{2}"[^>]*>[A-Z][a-z]{2} \d{1,2} [A-Z][a-z]{2} \d{4}</time>`)
	profile := func(c *client) string {
		b, _ := io.ReadAll(c.do(t, "GET", "/people/demo-hire", "", "").Body)
		return string(b)
	}
	c := newClient(p.URL())
	login(t, c, "hire@demo.onramp")
	if page := profile(c); !gb.MatchString(page) {
		t.Fatalf("the default is not en-GB:\n%s", page)
	}
	resp := c.do(t, "POST", "/settings/notifications", "application/x-www-form-urlencoded", "date_format=klingon&time_zone=")
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 422 || !strings.Contains(string(b), `id="date_format-error"`) {
		t.Fatalf("an unknown format: %d\n%s", resp.StatusCode, b)
	}
	if resp := c.do(t, "POST", "/settings/notifications", "application/x-www-form-urlencoded", "date_format=en-US&time_zone="); resp.StatusCode != 303 {
		t.Fatalf("save: %d", resp.StatusCode)
	}
	if page := profile(c); !us.MatchString(page) {
		t.Fatalf("this browser does not show en-US dates:\n%s", page)
	}
	other := newClient(p.URL())
	login(t, other, "hire@demo.onramp")
	if page := profile(other); !us.MatchString(page) {
		t.Fatalf("another browser does not show en-US dates after signing in:\n%s", page)
	}
	if page := profile(newSignedIn(t, p.URL(), "lead@demo.onramp")); !gb.MatchString(page) {
		t.Fatal("the hire's choice changed the lead's dates")
	}
}

func newSignedIn(t *testing.T, base, email string) *client {
	c := newClient(base)
	login(t, c, email)
	return c
}

// TestInviteTeamFromTheListOrNew: the invite form picks a team from the list, or names a
// new one in its own box (which wins when both are given).
func TestInviteTeamFromTheListOrNew(t *testing.T) {
	p := startPortal(t)
	c := newSignedIn(t, p.URL(), "hr@demo.onramp")
	hr := token(t, c, "hr@demo.onramp")
	for _, tc := range []struct{ email, form, team string }{
		{"listed@demo.onramp", "team=platform", "platform"},
		{"new@demo.onramp", "team=&new_team=data-platform", "data-platform"},
		{"both@demo.onramp", "team=platform&new_team=+service-desk+", "service-desk"},
	} {
		resp := c.do(t, "POST", "/people", "application/x-www-form-urlencoded",
			"email="+url.QueryEscape(tc.email)+"&name=N&track=security&start_date="+time.Now().Format(time.DateOnly)+"&"+tc.form)
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("%s: %d", tc.email, resp.StatusCode)
		}
		got := decodeJSON[struct {
			Items []struct {
				Team string `json:"team"`
			} `json:"items"`
		}](t, c.do(t, "GET", "/api/v1/people?q="+url.QueryEscape(tc.email), "", "", bearer(hr)...))
		if len(got.Items) != 1 || got.Items[0].Team != tc.team {
			t.Errorf("%s: %+v, want team %s", tc.email, got.Items, tc.team)
		}
	}
}
