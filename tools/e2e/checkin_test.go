package e2e

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"onramp.dev/events"
)

// TestCheckinChangedByItsAuthor: the demo mentor logged today's check-in, so they may
// change it — through the API and through the pair page's form — and the hire may not; a
// refused change names the field on the page.
func TestCheckinChangedByItsAuthor(t *testing.T) {
	p := startPortal(t)
	c := newClient(p.URL())
	hr, mentor, hire := token(t, c, "hr@demo.onramp"), token(t, c, "mentor@demo.onramp"), token(t, c, "hire@demo.onramp")
	pair := demoMentorship(t, c, hr)
	if len(pair.Checkins) != 1 {
		t.Fatalf("demo check-ins: %+v", pair.Checkins)
	}
	ch := pair.Checkins[0]
	path := "/api/v1/mentorships/" + pair.ID + "/checkins/" + ch.ID
	today := time.Now().Format(time.DateOnly)
	body := `{"date":"` + today + `","notes":"First coffee, and the backup runbook.","skills":["storage-backup"]}`
	for _, tc := range []struct {
		who, token string
		want       int
	}{
		{"the hire", hire, http.StatusForbidden},
		{"HR", hr, http.StatusForbidden},
		{"the mentor, its author", mentor, http.StatusOK},
	} {
		resp := c.do(t, "PATCH", path, "application/json", body, bearer(tc.token)...)
		if resp.StatusCode != tc.want {
			t.Fatalf("%s: %d, want %d", tc.who, resp.StatusCode, tc.want)
		}
		if tc.want == http.StatusOK {
			got := decodeJSON[events.MentorshipView](t, resp)
			if c := got.Checkins[0]; c.Notes != "First coffee, and the backup runbook." || !c.Edited || !c.CanEdit {
				t.Fatalf("after the change: %+v", c)
			}
		}
	}

	page := newClient(p.URL())
	login(t, page, "mentor@demo.onramp")
	form := "date=" + today + "&notes="
	resp := page.do(t, "POST", "/mentorship/pairs/"+pair.ID+"/checkins/"+ch.ID, "application/x-www-form-urlencoded", form)
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(b), `id="edit-`+ch.ID+`-notes-error"`) || !strings.Contains(string(b), `<details class="checkin-edit" open>`) {
		t.Fatalf("a change without notes: %d\n%s", resp.StatusCode, b)
	}
	resp = page.do(t, "POST", "/mentorship/pairs/"+pair.ID+"/checkins/"+ch.ID, "application/x-www-form-urlencoded", "date="+today+"&notes=Changed+from+the+page&skills=storage-backup")
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("the page's change: %d", resp.StatusCode)
	}
	if got := demoMentorship(t, c, hr); got.Checkins[0].Notes != "Changed from the page" {
		t.Fatalf("notes after the page's change: %q", got.Checkins[0].Notes)
	}
	// The page names the author (linked to their profile) and the skills in words.
	b, _ = io.ReadAll(page.do(t, "GET", "/mentorship/pairs/"+pair.ID, "", "").Body)
	for _, want := range []string{`<a class="person" href="/people/demo-mentor">Maya Mentor</a>`, "(edited)", "Skills: Storage and backup"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("the pair page lacks %q", want)
		}
	}
}
