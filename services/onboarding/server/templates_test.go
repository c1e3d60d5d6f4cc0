package server

import (
	"testing"

	"onramp.dev/content"
	tpl "onramp.dev/content/onboarding"
	"onramp.dev/events"
	"onramp.dev/infra/rpc"
)

// Onboarding serves what plans are made of, so web reads none of it from content/.
func TestTemplatesInfo(t *testing.T) {
	f := setup(t)
	anyone := rpc.Caller{}
	info := must[events.TemplatesInfo](t)(call[events.TemplatesInfo](f, events.OpTemplatesInfo, anyone, events.TemplatesInfoRequest{}))
	if len(info.Sections) != len(tpl.Sections) || info.Sections[0].ID != tpl.Sections[0].ID || info.Sections[0].Name != tpl.Sections[0].Name {
		t.Errorf("sections = %+v", info.Sections)
	}
	if len(info.Owners) != len(tpl.Owners) || info.Owners[0].Name != tpl.OwnerName(info.Owners[0].ID) {
		t.Errorf("owners = %+v", info.Owners)
	}
	tracks, err := content.Tracks()
	if err != nil {
		t.Fatal(err)
	}
	if len(info.Tracks) != len(tracks) || info.Tracks[0].ID != tracks[0].ID || info.Tracks[0].Name != tracks[0].Name {
		t.Errorf("tracks = %+v", info.Tracks)
	}
	if info.LateTasks != 0 {
		t.Errorf("late tasks without a track: %d", info.LateTasks)
	}

	// A hire starting tomorrow: every task due before the day before the start (day 0) is
	// already late.
	templates, err := tpl.Load()
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, task := range templates["infrastructure"].Tasks {
		if task.Due < 0 {
			want++
		}
	}
	if want == 0 {
		t.Fatal("the infrastructure template has no task due before day 0: the case proves nothing")
	}
	cases := []struct {
		name  string
		start string
		late  int
		code  string
	}{
		{"starts tomorrow", f.day0.AddDate(0, 0, 1).Format(events.DateLayout), want, ""},
		{"starts in two months", f.day0.AddDate(0, 2, 0).Format(events.DateLayout), 0, ""},
		{"started last week", f.day0.AddDate(0, 0, -7).Format(events.DateLayout), 0, ""},
		{"not a date", "tomorrow", 0, events.CodeInvalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := call[events.TemplatesInfo](f, events.OpTemplatesInfo, anyone, events.TemplatesInfoRequest{Track: "infrastructure", StartDate: c.start})
			if events.CodeOf(err) != c.code && !(c.code == "" && err == nil) {
				t.Fatalf("err = %v, want %q", err, c.code)
			}
			if err == nil && got.LateTasks != c.late {
				t.Fatalf("late tasks %d, want %d", got.LateTasks, c.late)
			}
		})
	}
}
