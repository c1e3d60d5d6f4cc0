package content

import "testing"

func TestTracks(t *testing.T) {
	ts, err := Tracks()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"infrastructure", "development", "security", "operations", "project", "service-desk"}
	if len(ts) != len(want) {
		t.Fatalf("got %d tracks, want %d", len(ts), len(want))
	}
	for i, id := range want {
		if ts[i].ID != id || ts[i].Name == "" || ts[i].Summary == "" {
			t.Errorf("track %d = %+v, want id %q with name and summary", i, ts[i], id)
		}
		if !IsTrack(id) {
			t.Errorf("IsTrack(%q) = false", id)
		}
	}
	if IsTrack("astronaut") {
		t.Error("IsTrack(astronaut) = true")
	}
}
