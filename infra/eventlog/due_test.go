package eventlog

import "testing"

func TestReplayDueOnceReplayingCostsAsMuchAsLoading(t *testing.T) {
	const least = 1 << 20
	for _, c := range []struct {
		name        string
		bytes, last int64
		want        bool
	}{
		{"nothing since", 0, 0, false},
		{"first snapshot, little replay", least - 1, 0, false},
		{"first snapshot, enough replay", least, 0, true},
		{"small snapshot: the least counts", least - 1, 10, false},
		{"large snapshot, replay cheaper than loading it", 9 << 20, 40 << 20, false},
		{"large snapshot, replay as dear as loading it", 10 << 20, 40 << 20, true},
		{"large snapshot, replay dearer", 11 << 20, 40 << 20, true},
	} {
		if got := replayDue(c.bytes, c.last, least); got != c.want {
			t.Errorf("%s: replayDue(%d, %d) = %v, want %v", c.name, c.bytes, c.last, got, c.want)
		}
	}
}
