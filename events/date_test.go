package events

import (
	"slices"
	"testing"
)

func TestMondayAndWeeks(t *testing.T) {
	for _, c := range []struct{ day, monday string }{
		{"2026-11-16", "2026-11-16"}, // a Monday
		{"2026-11-22", "2026-11-16"}, // the Sunday after it
		{"2026-12-02", "2026-11-30"}, // a Wednesday
		{"2027-01-01", "2026-12-28"}, // across a year
		{"not a date", "not a date"},
	} {
		if got := Monday(c.day); got != c.monday {
			t.Errorf("Monday(%s) = %s, want %s", c.day, got, c.monday)
		}
	}
	if got, want := Weeks(3, "2026-12-02"), []string{"2026-11-16", "2026-11-23", "2026-11-30"}; !slices.Equal(got, want) {
		t.Errorf("Weeks(3) = %v, want %v", got, want)
	}
	if got := Weeks(3, "soon"); got != nil {
		t.Errorf("Weeks of no date = %v", got)
	}
}
