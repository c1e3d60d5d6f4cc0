package server

import (
	"bytes"
	"cmp"
	"context"
	"flag"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"onramp.dev/events"
	"onramp.dev/infra/eventlog"
	"onramp.dev/services/notify"
)

var boundStaff = flag.Int("bound-staff", 20, "people of TestThirtyDaysOfRemindersStayBounded")

// TestThirtyDaysOfRemindersStayBounded: a month of one reminder a working day for each of
// a team's hires leaves in the model only what the bounds allow — no mail once each is sent,
// at most the newest items and keys of each person — while the store keeps every mail, the
// demo's mailbox lists the newest of them from the store, and a restart from the snapshot
// and a replay of the whole stream hold the same inboxes. It logs the model's size (its
// snapshot) beside what every mail kept in it would add. go test -run
// TestThirtyDaysOfRemindersStayBounded -v -bound-staff 500 for a larger figure.
func TestThirtyDaysOfRemindersStayBounded(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	staff := max(*boundStaff, 2)
	var hires []person
	for i := range staff {
		hires = append(hires, f.hire(fmt.Sprintf("h%04d", i), "platform", "", events.RoleHire))
	}
	for _, h := range hires {
		f.plan(h.id, "2026-11-20") // overdue from the first day on, and never done
	}
	waitRising(t, "the plans' e-mails", f.ms.Count, staff)
	sent := f.ms.Count()

	start := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC) // a Monday
	workdays := 0
	var reminded []time.Time
	for d := range 30 {
		day := start.AddDate(0, 0, d)
		f.sweepAt(t, day)
		if wd := day.Weekday(); wd != time.Saturday && wd != time.Sunday {
			workdays++
			reminded = append(reminded, day)
		}
		waitRising(t, fmt.Sprintf("day %d's reminders", d+1), f.ms.Count, sent+workdays*staff)
		if d%10 == 9 { // every tenth day half of them read everything
			for _, h := range hires[:staff/2] {
				if _, err := call[empty](f, events.OpNotificationRead, h.caller, events.NotificationReadRequest{All: true}); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	sent = f.ms.Count()

	// The model: no mail (every one is sent), bounded inboxes and keys.
	waitFor(t, "every sent mail gone from the model", func() bool {
		var held int
		f.m.el.Read(func() { held = f.m.state.HeldMails() })
		return held == 0
	})
	// The inbox: the plan's item and the reminders of the last ReminderDays.
	last := reminded[len(reminded)-1]
	items := 1
	for _, d := range reminded {
		if !d.Before(last.AddDate(0, 0, -notify.ReminderDays)) {
			items++
		}
	}
	for _, h := range hires {
		r := f.recipient(h.id)
		reminders, causes := 0, 0
		for _, k := range r.Keys() {
			switch {
			case strings.HasPrefix(k, "remind:"):
				reminders++
			case strings.HasPrefix(k, "ev:"):
				causes++
			}
		}
		if len(r.Items) != items || reminders == 0 || reminders > notify.KeepDays+1 || causes != 1 || len(r.Keys()) != reminders+causes {
			t.Fatalf("%s: %d items (want %d), keys %v", h.id, len(r.Items), items, r.Keys())
		}
	}

	// The store: every mail, sent.
	stored := f.storedMails(t)
	if len(stored) != sent {
		t.Fatalf("the store holds %d mails; the mail server took %d", len(stored), sent)
	}
	for _, ml := range stored {
		if ml.Status != notify.MailSent || ml.Text == "" || ml.To == "" {
			t.Fatalf("stored mail %s: status %s, %d bytes of text, to %q", ml.ID, ml.Status, len(ml.Text), ml.To)
		}
	}

	// The demo's mailbox: the newest 200 from the store, newest first.
	admin := f.hire("admin", "people", "", events.RoleAdmin)
	f.m.cfg.Mailbox, f.m.cfg.Demo = true, true
	t0 := time.Now()
	box, err := call[events.MailboxReply](f, events.OpMailbox, admin.caller, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("the mailbox read the newest %d of %d stored mails in %v", len(box.Items), len(stored), time.Since(t0).Round(time.Millisecond))
	slices.SortFunc(stored, func(a, b notify.Mail) int {
		return cmp.Or(b.Created.Compare(a.Created), strings.Compare(b.ID, a.ID))
	})
	// The newest 200, newest first: none left out is newer than one listed (mails of one
	// sweep share their time, so which of those make the cut is the stream's order).
	if len(box.Items) != mailboxSize {
		t.Fatalf("the mailbox lists %d mails, want %d", len(box.Items), mailboxSize)
	}
	listed := map[string]bool{}
	for i, it := range box.Items {
		listed[it.ID] = true
		if i > 0 && it.Created > box.Items[i-1].Created {
			t.Fatalf("the mailbox is not newest first: %s after %s", it.Created, box.Items[i-1].Created)
		}
	}
	oldest := box.Items[len(box.Items)-1].Created
	for _, ml := range stored {
		if c := ml.Created.UTC().Format(time.RFC3339); !listed[ml.ID] && c > oldest {
			t.Fatalf("mail %s of %s is left out of the mailbox, which lists one of %s", ml.ID, c, oldest)
		}
	}

	// The model's size, and what the mails it let go would add (as they stayed in it before,
	// their bodies forgotten; the eventlog's record of each mail's last sequence not counted).
	var after bytes.Buffer
	f.m.el.Read(func() { err = f.m.state.Snapshot(&after) })
	if err != nil {
		t.Fatal(err)
	}
	before := notify.NewState()
	if err := before.Restore(bytes.NewReader(after.Bytes())); err != nil {
		t.Fatal(err)
	}
	for _, ml := range stored {
		ml.Text, ml.HTML = "", ""
		before.LoadMail(ml)
	}
	var old bytes.Buffer
	if err := before.Snapshot(&old); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d people, 30 days (%d working days, %d mails): the model's snapshot is %d bytes (%d a person); the mails it let go would add %d (%d a person)",
		staff, workdays, sent, after.Len(), after.Len()/staff, old.Len()-after.Len(), (old.Len()-after.Len())/staff)

	// A restart from the snapshot, then a replay of the whole stream: the same inboxes and
	// keys, and still no mail in the model.
	inboxes := func() map[string]notify.Recipient {
		out := map[string]notify.Recipient{}
		for _, h := range hires {
			r := f.recipient(h.id)
			out[h.id] = notify.Recipient{Items: r.Items, Fired: r.Keys()}
		}
		return out
	}
	live := inboxes()
	for _, how := range []string{"the snapshot", "the whole stream"} {
		if err := f.m.Close(); err != nil {
			t.Fatal(err)
		}
		if how == "the whole stream" {
			if err := eventlog.Forget(ctx, f.js, "NOTIFY", f.m.cp); err != nil {
				t.Fatal(err)
			}
		}
		f.m = f.start(f.env.NATS, time.Minute)
		if again := inboxes(); !reflect.DeepEqual(again, live) {
			t.Fatalf("after a start from %s the inboxes differ", how)
		}
		waitFor(t, "the mails gone from the model after a start from "+how, func() bool {
			var held int
			f.m.el.Read(func() { held = f.m.state.HeldMails() })
			return held == 0
		})
		if n := len(f.storedMails(t)); n != sent {
			t.Fatalf("after a start from %s the store holds %d mails, want %d", how, n, sent)
		}
	}
}
