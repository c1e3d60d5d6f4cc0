package notify

import (
	"bytes"
	"reflect"
	"slices"
	"testing"
	"time"

	"onramp.dev/events"
)

// folder applies NOTIFY events to a state, numbering them.
type folder struct {
	t   *testing.T
	s   *State
	seq uint64
}

func (f *folder) apply(subject string, p events.Payload, at time.Time) {
	f.t.Helper()
	env, err := events.New(events.System, subject, p, at)
	if err != nil {
		f.t.Fatal(err)
	}
	f.seq++
	if _, err := f.s.Apply(env, f.seq); err != nil {
		f.t.Fatal(err)
	}
}

// item tells p1 one inbox item at at, keyed by a new source event.
func (f *folder) item(at time.Time) string { return f.itemOf(events.KindTaskAssigned, at) }

func (f *folder) itemOf(kind string, at time.Time) string {
	id := events.NewID(at)
	f.apply("p1", events.Notified{Key: "ev:" + id + ":p1", Item: &events.NotifyItem{ID: id, Kind: kind, Title: "x"}}, at)
	return id
}

// tell records key for person with an inbox item at at.
func (f *folder) tell(person, key string, at time.Time) {
	f.t.Helper()
	f.apply(person, events.Notified{Key: key, Item: &events.NotifyItem{ID: events.NewID(at), Kind: events.KindTaskDue, Title: "x"}}, at)
}

// The inbox keeps the newest InboxKeep items, older unread ones up to InboxMax, and nothing
// from more than InboxDays before the newest; pages count what is kept.
func TestInboxIsBounded(t *testing.T) {
	start := time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name      string
		items     int
		every     time.Duration
		readFirst int // the oldest items read before the last one arrives
		reminders int // every reminders-th item is a daily reminder (0: none)
		want      int
		wantUnrd  int
	}{
		{"few", 50, time.Hour, 0, 0, 50, 50},
		{"read beyond the newest", 300, time.Hour, 300, 0, 200, 1},
		{"unread beyond the newest", 300, time.Hour, 0, 0, 300, 300},
		{"some read beyond the newest", 300, time.Hour, 60, 0, 240, 240},
		{"unread beyond the cap", 700, time.Hour, 0, 0, InboxMax, InboxMax},
		{"older than the days", 100, 24 * time.Hour, 0, 0, InboxDays + 1, InboxDays + 1},
		// 60 days, every other item a reminder (days 0, 2 … 58; the last item on day 59):
		// the reminders of days 46 … 58 stay, and every other item.
		{"reminders older than their days", 60, 24 * time.Hour, 0, 2, 30 + ReminderDays/2, 30 + ReminderDays/2},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := &folder{t: t, s: NewState()}
			var ids []string
			at := start
			for i := range c.items - 1 {
				kind := events.KindTaskAssigned
				if c.reminders > 0 && i%c.reminders == 0 {
					kind = events.KindTaskDue
				}
				ids = append(ids, f.itemOf(kind, at))
				at = at.Add(c.every)
				if i == c.items-2 && c.readFirst > 0 {
					f.apply("p1", events.NotificationsRead{Items: ids[:min(c.readFirst, len(ids))]}, at)
				}
			}
			last := f.item(at)
			r, _ := f.s.Recipient("p1")
			if len(r.Items) != c.want || r.Items[len(r.Items)-1].ID != last {
				t.Fatalf("%d items kept (newest %s), want %d ending with %s", len(r.Items), r.Items[len(r.Items)-1].ID, c.want, last)
			}
			if !slices.IsSortedFunc(r.Items, func(a, b Item) int { return a.Created.Compare(b.Created) }) {
				t.Error("the items are no longer oldest first")
			}
			if old := at.AddDate(0, 0, -InboxDays); r.Items[0].Created.Before(old) {
				t.Errorf("an item of %s is kept, older than %s", r.Items[0].Created, old)
			}
			// Pages of 100 list every kept item once, newest first.
			seen := map[string]bool{}
			cursor := ""
			for {
				p, err := f.s.Page("p1", false, 100, cursor)
				if err != nil {
					t.Fatal(err)
				}
				if p.Total != c.want || p.Unread != c.wantUnrd {
					t.Fatalf("page: total %d, unread %d; want %d, %d", p.Total, p.Unread, c.want, c.wantUnrd)
				}
				for _, it := range p.Items {
					if seen[it.ID] {
						t.Fatalf("%s listed twice", it.ID)
					}
					seen[it.ID] = true
				}
				if cursor = p.Next; cursor == "" {
					break
				}
			}
			if len(seen) != c.want {
				t.Fatalf("pages listed %d items, want %d", len(seen), c.want)
			}
		})
	}
}

// Cause keys are kept CauseDays before the newest, whatever came before; keys of documents
// and snapshots written before they had days are dated by their event id.
func TestCauseKeysAreKeptCauseDays(t *testing.T) {
	f := &folder{t: t, s: NewState()}
	start := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	var keys []string
	for d := range 30 {
		at := start.AddDate(0, 0, d)
		for range 3 {
			keys = append(keys, "ev:"+f.item(at)+":p1")
		}
		f.tell("p1", ReminderKey(at.Format(events.DateLayout)), at)
	}
	for i, k := range keys {
		day := i / 3
		if want := day >= 29-CauseDays; f.s.Has("p1", k) != want {
			t.Errorf("day %d: Has(%s) = %v, want %v", day, k, !want, want)
		}
	}
	r, _ := f.s.Recipient("p1")
	if n := len(r.Keys()); n != 3*(CauseDays+1)+KeepDays+1 {
		t.Errorf("%d keys, want %d", n, 3*(CauseDays+1)+KeepDays+1)
	}

	// A document written before: its cause keys are in Fired.
	oldID, newID := events.NewID(start.AddDate(0, 0, -20)), events.NewID(start)
	legacy := Recipient{ID: "p2", Fired: []string{"ev:" + oldID + ":p2", "link:" + newID, "remind:2026-11-02", "ev:not-an-id:p2"}}
	var snap bytes.Buffer
	s := NewState()
	s.LoadRecipient(legacy)
	if err := s.Snapshot(&snap); err != nil {
		t.Fatal(err)
	}
	restored := NewState()
	if err := restored.Restore(&snap); err != nil {
		t.Fatal(err)
	}
	for name, st := range map[string]*State{"loaded": s, "restored": restored} {
		r, _ := st.Recipient("p2")
		want := []CauseDay{{Day: ""}, {Day: "2026-10-13"}, {Day: "2026-11-02"}}
		want[0].Keys, want[1].Keys, want[2].Keys = []string{"ev:not-an-id:p2"}, []string{"ev:" + oldID + ":p2"}, []string{"link:" + newID}
		if !reflect.DeepEqual(r.Caused, want) || !slices.Equal(r.Fired, []string{"remind:2026-11-02"}) {
			t.Fatalf("%s: fired %v, caused %+v", name, r.Fired, r.Caused)
		}
		f := &folder{t: t, s: st, seq: 100}
		f.tell("p2", "ev:"+events.NewID(start)+":p2", start)
		for k, want := range map[string]bool{"ev:not-an-id:p2": false, "ev:" + oldID + ":p2": false, "link:" + newID: true} {
			if st.Has("p2", k) != want {
				t.Errorf("%s: after a new cause key, Has(%s) = %v", name, k, !want)
			}
		}
	}
}

// A check-in silence is told once per last check-in, a certification's rung once per
// expiry date: a newer one drops the keys of the older.
func TestSupersededKeysGo(t *testing.T) {
	f := &folder{t: t, s: NewState()}
	at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	for _, k := range []string{
		"silence:pair1:2026-10-01", "silence:pair2:2026-10-05", "silence:pair1:2026-10-20",
		"ladder:cert:p1:cka:2026-12-01:30", "ladder:cert:p1:cka:2026-12-01:expired", "ladder:cert:p1:ckad:2027-01-01:90",
		"ladder:cert:p1:cka:2027-12-01:90",
	} {
		f.tell("p1", k, at)
	}
	r, _ := f.s.Recipient("p1")
	want := []string{"silence:pair2:2026-10-05", "silence:pair1:2026-10-20", "ladder:cert:p1:ckad:2027-01-01:90", "ladder:cert:p1:cka:2027-12-01:90"}
	if !slices.Equal(r.Fired, want) {
		t.Fatalf("keys %v, want %v", r.Fired, want)
	}
	if f.s.Has("p1", "silence:pair1:2026-10-01") || !f.s.Has("p1", "silence:pair1:2026-10-20") {
		t.Error("Has disagrees with the keys")
	}
}

func TestIDDay(t *testing.T) {
	at := time.Date(2026, 11, 30, 23, 59, 59, 0, time.UTC)
	for _, c := range []struct{ id, want string }{
		{events.NewID(at), "2026-11-30"},
		{"not-an-id", ""},
		{"6ba7b810-9dad-11d1-80b4-00c04fd430c8", ""}, // version 1
	} {
		if got := idDay(c.id); got != c.want {
			t.Errorf("idDay(%s) = %q, want %q", c.id, got, c.want)
		}
	}
}

// A sent mail leaves the model on Release; an outcome applied after makes a record of the
// outcome alone, which Merge folds into the stored document: the first outcome stands.
func TestReleasedMailsAndLateOutcomes(t *testing.T) {
	f := &folder{t: t, s: NewState()}
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	id := events.NewID(at)
	f.apply("p1", events.Notified{Key: "ev:" + id + ":p1", Mail: &events.NotifyMail{ID: id, To: "p1@example.org", Subject: "s", Text: "t", HTML: "h", MessageID: "<m@x>"}}, at)
	if keys := f.s.Release([]string{id}); keys != nil {
		t.Fatalf("a queued mail released: %v", keys)
	}
	f.apply(id, events.MailSent{Person: "p1", Attempts: 1, Transport: "smtp"}, at)
	queued, sent := Mail{ID: id, Seq: 1, To: "p1@example.org", Text: "t", Status: MailQueued}, func() Mail { m, _ := f.s.Mail(id); return m }()
	if keys := f.s.Release([]string{id, "unknown"}); !slices.Equal(keys, []string{MailDoc + id}) || f.s.HeldMails() != 0 {
		t.Fatalf("released %v, %d mails held", keys, f.s.HeldMails())
	}
	f.apply(id, events.MailFailed{Person: "p1", Attempts: 4, Reason: "late"}, at)
	late, ok := f.s.Mail(id)
	if !ok || !late.OutcomeOnly() || late.Status != MailFailed {
		t.Fatalf("the late outcome's record: %+v %v", late, ok)
	}
	for _, c := range []struct {
		name   string
		stored Mail
		want   Mail
	}{
		{"stored sent", sent, sent},
		{"stored queued", queued, Mail{ID: id, Seq: late.Seq, To: "p1@example.org", Text: "t", Status: MailFailed, Attempts: 4, Reason: "late"}},
	} {
		if got := Merge(c.stored, late); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: merged %+v, want %+v", c.name, got, c.want)
		}
	}
}

// A page's cursor names its last item: the next page starts right after it, whatever
// arrived or was trimmed in between; a position (the cursor before) is still read.
func TestPagesFollowTheirCursor(t *testing.T) {
	f := &folder{t: t, s: NewState()}
	at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	var ids []string // oldest first
	for range 250 {
		ids = append(ids, f.item(at))
		at = at.Add(time.Hour)
	}
	f.apply("p1", events.NotificationsRead{Items: ids[:40]}, at)
	first, err := f.s.Page("p1", false, 100, "")
	if err != nil || len(first.Items) != 100 || first.Items[99].ID != ids[150] {
		t.Fatalf("first page: %d items, %v", len(first.Items), err)
	}
	var news []string
	for range 10 { // ten arrive; the read ones beyond the newest 200 go
		news = append(news, f.item(at))
		at = at.Add(time.Hour)
	}
	var rest []string
	for cursor := first.Next; cursor != ""; {
		p, err := f.s.Page("p1", false, 100, cursor)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range p.Items {
			rest = append(rest, it.ID)
		}
		cursor = p.Next
	}
	want := slices.Clone(ids[40:150])
	slices.Reverse(want)
	if !slices.Equal(rest, want) {
		t.Fatalf("the next pages listed %d items, want the %d kept after the first page's last", len(rest), len(want))
	}
	byPosition, err := f.s.Page("p1", false, 10, "5")
	if err != nil || len(byPosition.Items) != 10 || byPosition.Items[0].ID != news[4] { // the sixth newest
		t.Fatalf("a position cursor: %+v, %v", byPosition.Items, err)
	}
}
