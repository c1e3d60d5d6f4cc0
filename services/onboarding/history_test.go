package onboarding

import (
	"slices"
	"testing"
	"time"
)

// A history gives back what was added, in order, to the millisecond: entries without a
// time or words, times that go backwards, sequences far apart.
func TestHistoryGivesBackItsEntries(t *testing.T) {
	at := time.Date(2026, 12, 2, 9, 30, 15, 123_456_789, time.UTC)
	tests := []struct {
		name    string
		entries []Entry
	}{
		{"none", nil},
		{"one, every word", []Entry{{Seq: 7, Time: at, Actor: "lead-1", Type: "onboarding.task.completed", Task: "laptop", Detail: "done early", OnBehalfOf: "hire-1"}}},
		{"no time, no words", []Entry{{Seq: 1}, {Seq: 2}}},
		{"time goes backwards, sequences far apart", []Entry{
			{Seq: 3, Time: at, Actor: "system", Type: "onboarding.plan.created", Detail: "made from the security template, version 2, with 40 tasks"},
			{Seq: 1 << 40, Time: at.Add(-72 * time.Hour), Actor: "system", Type: "onboarding.task.overdue", Task: "laptop", Detail: "overdue since 2026-11-28"},
			{Seq: 1<<40 + 1, Actor: "hire-1", Type: "onboarding.task.completed", Task: "laptop"},
			{Seq: 1<<40 + 2, Time: at.Add(time.Hour), Actor: "hire-1", Type: "onboarding.task.completed", Task: "badge"},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var h history
			for _, e := range tc.entries {
				h.add(e)
			}
			want := make([]Entry, len(tc.entries))
			for i, e := range tc.entries {
				want[i] = e
				if !e.Time.IsZero() {
					want[i].Time = e.Time.Truncate(time.Millisecond)
				}
			}
			got := h.Docs()
			if h.Len() != len(want) || !slices.EqualFunc(got, want, func(a, b Entry) bool { return a == b || (a.Time.Equal(b.Time) && sameWords(a, b)) }) {
				t.Fatalf("got %d entries %+v, want %+v", h.Len(), got, want)
			}
			for _, e := range got {
				if e.Time.IsZero() != (e.Time == time.Time{}) {
					t.Fatalf("a missing time came back as %v", e.Time)
				}
			}
		})
	}
}

func sameWords(a, b Entry) bool {
	a.Time, b.Time = time.Time{}, time.Time{}
	return a == b
}
