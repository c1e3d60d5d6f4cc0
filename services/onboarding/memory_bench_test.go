package onboarding

import (
	"bytes"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"testing"
	"time"
	"unsafe"

	"onramp.dev/events"
)

// modelAt builds the model of n hires as the service does: a plan.created event each,
// made by DecideCreate from the real templates (every track in turn, teams of 20 with
// their lead, start dates over 60 days), applied in order.
func modelAt(b *testing.B, n int) *State {
	b.Helper()
	tracks := slices.Sorted(maps.Keys(templates))
	at := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	s := NewState()
	for i := range n {
		hire := fmt.Sprintf("h%05d", i)
		created, err := DecideCreate(Hired{Hire: hire, Name: fmt.Sprintf("Hire %d", i), Team: fmt.Sprintf("team%d", i/20),
			Lead: fmt.Sprintf("lead%d", i/20), Track: tracks[i%len(tracks)], StartDate: at.AddDate(0, 0, i%60).Format(events.DateLayout),
			Source: "s" + hire}, templates)
		if err != nil {
			b.Fatal(err)
		}
		env, err := events.New("hr", events.PlanID(hire), created, at)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.Apply(env, uint64(i+1)); err != nil {
			b.Fatal(err)
		}
	}
	return s
}

// heap is the live heap after a collection.
func heap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

func tasks(s *State) int {
	n := 0
	for _, p := range s.plans {
		n += len(p.Tasks)
	}
	return n
}

// BenchmarkModelMemory: the heap that 10,000 plans (about 40 tasks each) take in the model,
// made by events and restored from a snapshot, per plan and per task; and the time to
// write and to restore their snapshot.
func BenchmarkModelMemory(b *testing.B) {
	const n = 10000
	before := heap()
	s := modelAt(b, n)
	applied := heap() - before
	nt := tasks(s)
	var snap bytes.Buffer
	if err := s.Snapshot(&snap); err != nil {
		b.Fatal(err)
	}
	before = heap()
	r := NewState()
	if err := r.Restore(bytes.NewReader(snap.Bytes())); err != nil {
		b.Fatal(err)
	}
	restored := heap() - before
	if r.Len() != n || tasks(r) != nt {
		b.Fatalf("restored %d plans, %d tasks; want %d, %d", r.Len(), tasks(r), n, nt)
	}
	b.Logf("%d plans, %d tasks: applied %.1f MB (%d B/plan, %d B/task), restored %.1f MB (%d B/plan); snapshot %.1f MB",
		n, nt, float64(applied)/1e6, applied/n, applied/uint64(nt), float64(restored)/1e6, restored/n, float64(snap.Len())/1e6)
	runtime.KeepAlive(s)
	runtime.KeepAlive(r)
	r = nil

	b.Run("snapshot", func(b *testing.B) {
		var buf bytes.Buffer
		for b.Loop() {
			buf.Reset()
			if err := s.Snapshot(&buf); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(buf.Len())/1e6, "MB")
	})
	b.Run("restore", func(b *testing.B) {
		for b.Loop() {
			if err := NewState().Restore(bytes.NewReader(snap.Bytes())); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("heap", func(b *testing.B) { // the figures above, as metrics
		for b.Loop() {
		}
		b.ReportMetric(float64(applied)/n, "B/plan")
		b.ReportMetric(float64(applied)/float64(nt), "B/task")
		b.ReportMetric(float64(restored)/n, "restored-B/plan")
		b.ReportMetric(float64(unsafe.Sizeof(Task{})), "B/Task")
	})
}
