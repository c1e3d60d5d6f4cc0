package e2e

import (
	"testing"
	"time"

	"onramp.dev/events"
)

// TestDemoDataAgreesWithItself: no check-in before its mentorship was proposed, the
// pair's match score is the one the suggestions give (or the page says why not), and each
// demo person's role profile fits their role and years.
func TestDemoDataAgreesWithItself(t *testing.T) {
	p := startPortal(t)
	c := newClient(p.URL())
	hr, lead := token(t, c, "hr@demo.onramp"), token(t, c, "lead@demo.onramp")
	pair := demoMentorship(t, c, hr)
	proposed, err := time.Parse(time.RFC3339, pair.Proposed)
	if err != nil {
		t.Fatal(err)
	}
	for _, ch := range pair.Checkins {
		if ch.Date < proposed.Format(events.DateLayout) {
			t.Errorf("check-in on %s, before the mentorship was proposed on %s", ch.Date, proposed.Format(events.DateLayout))
		}
	}
	s := decodeJSON[events.SuggestionsReply](t, c.do(t, "GET", "/api/v1/mentorship/suggestions?hire=demo-hire", "", "", bearer(lead)...))
	for _, it := range s.Items {
		if it.Mentor == pair.Mentor && it.Score != pair.Score {
			t.Errorf("the mentor's suggestion scores %d for the hire, their mentorship %d", it.Score, pair.Score)
		}
	}
	for _, tc := range []struct{ person, want string }{
		{"demo-hire", "junior"}, {"demo-mentor", "senior"}, {"demo-lead", "lead"}, {"demo-it", "senior"}, {"demo-hr", "senior"}, {"demo-admin", "senior"},
	} {
		rec := decodeJSON[events.SkillRecordReply](t, c.do(t, "GET", "/api/v1/people/"+tc.person+"/skills", "", "", bearer(hr)...))
		if rec.Seniority != tc.want {
			t.Errorf("%s: role profile %q, want %q", tc.person, rec.Seniority, tc.want)
		}
	}
}
