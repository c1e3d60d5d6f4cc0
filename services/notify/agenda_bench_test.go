package notify

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"onramp.dev/events"
)

// templateTask is a task of a real onboarding template (content/onboarding/*.yaml), as
// far as the agenda sees it.
type templateTask struct {
	id, title, owner string
	due              int // days from the start date
}

// readTemplates reads the tasks of the real onboarding templates, one list per track. It
// reads the few fields it needs line by line: notify does not depend on the content module.
func readTemplates(tb testing.TB) [][]templateTask {
	tb.Helper()
	files, err := filepath.Glob("../../content/onboarding/*.yaml")
	if err != nil || len(files) == 0 {
		tb.Fatalf("no onboarding templates (%v)", err)
	}
	var out [][]templateTask
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			tb.Fatal(err)
		}
		var tasks []templateTask
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			line := sc.Text()
			field := func(prefix string) (string, bool) {
				v, ok := strings.CutPrefix(line, prefix)
				return strings.Trim(strings.TrimSpace(v), `"'`), ok
			}
			if v, ok := field("  - id:"); ok {
				tasks = append(tasks, templateTask{id: v})
			} else if len(tasks) == 0 {
				continue
			} else if v, ok := field("    title:"); ok {
				tasks[len(tasks)-1].title = v
			} else if v, ok := field("    owner:"); ok {
				tasks[len(tasks)-1].owner = v
			} else if v, ok := field("    due:"); ok {
				if tasks[len(tasks)-1].due, err = strconv.Atoi(v); err != nil {
					tb.Fatalf("%s: due %q", name, v)
				}
			}
		}
		f.Close()
		if err := sc.Err(); err != nil || len(tasks) == 0 {
			tb.Fatalf("%s: %d tasks (%v)", name, len(tasks), err)
		}
		out = append(out, tasks)
	}
	return out
}

// orgHistory is the onboarding and training history of an organisation of n hires: a plan
// from their track's real template each (start dates spread over a year, 500 leads), and
// four training modules assigned to everyone. It returns the events and how many items
// they track.
func orgHistory(tb testing.TB, n int) ([]events.Envelope, int) {
	tb.Helper()
	templates := readTemplates(tb)
	at := time.Date(2026, 1, 2, 8, 0, 0, 0, time.UTC)
	var out []events.Envelope
	items := 0
	add := func(subject string, p events.Payload) {
		at = at.Add(time.Second)
		env, err := events.New("hr", subject, p, at)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, env)
	}
	var people []string
	for i := range n {
		hire, lead := fmt.Sprintf("p%05d", i), fmt.Sprintf("p%05d", i%500)
		start := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i%365)
		tmpl := templates[i%len(templates)]
		tasks := make([]events.PlanTask, len(tmpl))
		for k, t := range tmpl {
			assignee := map[string]string{events.OwnerHire: hire, events.OwnerLead: lead, events.OwnerIT: events.QueueIT,
				events.OwnerHR: events.QueueHR, events.OwnerMentor: ""}[t.owner]
			tasks[k] = events.PlanTask{ID: t.id, Title: t.title, Section: "s", Owner: t.owner, Assignee: assignee,
				Due: start.AddDate(0, 0, t.due).Format(events.DateLayout)}
		}
		add(events.PlanID(hire), events.PlanCreated{Hire: hire, Name: hire, Track: "t", StartDate: start.Format(events.DateLayout),
			TemplateVersion: 1, Tasks: tasks})
		items += len(tasks)
		people = append(people, hire)
	}
	for k, module := range []string{"acceptable-use-and-security-policy", "phishing-and-social-engineering", "backup-and-restore", "change-management"} {
		add(fmt.Sprintf("asg-%d", k), events.AssignmentCreated{Module: module, Kind: events.AssignTrack, Target: "all",
			Due: fmt.Sprintf("2026-0%d-15", k+3), People: people})
		items += len(people)
	}
	return out, items
}

// heapInUse is the live heap after a full collection.
func heapInUse() uint64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.GC() // a second cycle frees what the first one's cleanups let go (unique.Make's entries)
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// BenchmarkAgenda10000 builds the agenda of 10,000 hires (about 450,000 items) from their
// history and reports its live heap per item, applied and restored, the snapshot's size,
// and the time of a Snapshot and of a Restore (one of each per iteration). Run it with
//
//	go test ./services/notify -run '^$' -bench Agenda10000 -benchtime 3x
func BenchmarkAgenda10000(b *testing.B) {
	titles := map[string]string{"acceptable-use-and-security-policy": "Acceptable use and security policy",
		"phishing-and-social-engineering": "Phishing and social engineering", "backup-and-restore": "Backup and restore",
		"change-management": "Change management"}
	history, items := orgHistory(b, 10000)
	before := heapInUse()
	applied := NewAgenda(titles)
	for _, env := range history {
		if err := applied.Apply(env); err != nil {
			b.Fatal(err)
		}
	}
	appliedHeap := heapInUse() - before
	runtime.KeepAlive(history) // measured on both sides
	history = nil
	if open := len(applied.Open()); open != items {
		b.Fatalf("%d open items, want %d", open, items)
	}
	var snap bytes.Buffer
	if err := applied.Snapshot(&snap); err != nil {
		b.Fatal(err)
	}
	applied = nil
	before = heapInUse()
	restored := NewAgenda(titles)
	if err := restored.Restore(bytes.NewReader(snap.Bytes())); err != nil {
		b.Fatal(err)
	}
	restoredHeap := heapInUse() - before
	if open := len(restored.Open()); open != items {
		b.Fatalf("restored: %d open items, want %d", open, items)
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	allocBefore := ms.TotalAlloc
	restored.Open()
	runtime.ReadMemStats(&ms)
	openAlloc := ms.TotalAlloc - allocBefore
	allocBefore, n := ms.TotalAlloc, 0
	for range restored.EachOpen {
		n++
	}
	runtime.ReadMemStats(&ms)
	eachOpenAlloc := ms.TotalAlloc - allocBefore
	if n != items {
		b.Fatalf("EachOpen yielded %d items, want %d", n, items)
	}

	var snapTime, restoreTime time.Duration
	for b.Loop() {
		var buf bytes.Buffer
		start := time.Now()
		if err := restored.Snapshot(&buf); err != nil {
			b.Fatal(err)
		}
		snapTime += time.Since(start)
		start = time.Now()
		if err := NewAgenda(titles).Restore(&buf); err != nil {
			b.Fatal(err)
		}
		restoreTime += time.Since(start)
	}
	b.ReportMetric(float64(items), "items")
	b.ReportMetric(float64(appliedHeap)/float64(items), "heapB/item-applied")
	b.ReportMetric(float64(restoredHeap)/float64(items), "heapB/item-restored")
	b.ReportMetric(float64(snap.Len())/1e6, "snapshot-MB")
	b.ReportMetric(float64(openAlloc)/1e6, "Open-allocMB")
	b.ReportMetric(float64(eachOpenAlloc)/1e6, "EachOpen-allocMB")
	b.ReportMetric(float64(snapTime.Milliseconds())/float64(b.N), "snapshot-ms")
	b.ReportMetric(float64(restoreTime.Milliseconds())/float64(b.N), "restore-ms")
	runtime.KeepAlive(restored)
}
