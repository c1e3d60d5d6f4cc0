package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"onramp.dev/events"
	"onramp.dev/infra/bus"
	"onramp.dev/infra/eventlog"
	"onramp.dev/infra/store"
	"onramp.dev/services/notify"
)

// TestSentMailsLiveInTheStore: once an e-mail is sent and its document written, the mail
// leaves the model (and its snapshot); the store keeps it whole. A second outcome on the
// stream never writes over the stored document, and a store that is lost is rebuilt with
// it from the stream.
func TestSentMailsLiveInTheStore(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	p := f.hire("p1", "platform", "", events.RoleHire)
	f.append("hr", p.id, events.LinkMailRequested{Token: strings.Repeat("t", 43), ExpiresAt: time.Now().Add(time.Hour)})
	waitFor(t, "the mail sent", func() bool { return len(f.mailsTo(p.email)) == 1 })
	crlf := strings.NewReplacer("\r\n", "\n")
	wantText, wantHTML := parts(t, f.mailsTo(p.email)[0])
	wantText, wantHTML = strings.TrimSpace(crlf.Replace(wantText)), strings.TrimSpace(crlf.Replace(wantHTML))

	var ml notify.Mail
	waitFor(t, "the sent mail stored and gone from the model", func() bool {
		docs, err := f.m.mails.Newest(ctx, "created", 10)
		if err != nil || len(docs) != 1 || docs[0].Status != notify.MailSent {
			return false
		}
		ml = docs[0]
		return !f.heldMail(ml.ID)
	})
	if ml.Event == 0 {
		t.Fatal("the mail does not name the event with its content")
	}
	stored := func(what string) {
		t.Helper()
		doc, ok, err := f.m.mails.Get(ctx, ml.ID)
		if err != nil || !ok {
			t.Fatalf("%s: the mail's document: found %v, %v", what, ok, err)
		}
		if doc.Status != notify.MailSent || doc.Attempts != ml.Attempts || doc.To != p.email ||
			strings.TrimSpace(crlf.Replace(doc.Text)) != wantText || strings.TrimSpace(crlf.Replace(doc.HTML)) != wantHTML {
			t.Errorf("%s: stored mail = status %q, %d attempts, to %q, text %q, html %d bytes; want sent, %d, %q, %q, %d bytes",
				what, doc.Status, doc.Attempts, doc.To, doc.Text, len(doc.HTML), ml.Attempts, p.email, wantText, len(wantHTML))
		}
	}
	stored("sent")

	// The demo's mailbox reads the store.
	admin := f.hire("a1", "platform", "", events.RoleAdmin)
	f.m.cfg.Mailbox, f.m.cfg.Demo = true, true
	box, err := call[events.MailboxReply](f, events.OpMailbox, admin.caller, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(box.Items) != 1 || box.Items[0].ID != ml.ID || strings.TrimSpace(crlf.Replace(box.Items[0].Text)) != wantText {
		t.Errorf("mailbox = %+v, want the mail with its text", box.Items)
	}

	// A second outcome, for a mail the model no longer holds: the stored document stays
	// whole and keeps the first outcome, and the outcome's record leaves the model too.
	for _, second := range []events.Payload{
		events.MailSent{Person: p.id, Attempts: 9, Transport: "smtp"},
		events.MailFailed{Person: p.id, Attempts: 9, Reason: "late"},
	} {
		env, err := events.New(events.System, ml.ID, second, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		seq, err := bus.Append(ctx, f.js, env, bus.Expect{})
		if err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the second outcome flushed", func() bool { return f.m.el.StoreCheckpoint() >= seq && !f.heldMail(ml.ID) })
		stored("after a second outcome")
	}

	// The store is lost; the snapshot (saved at the stop) no longer holds the mail, so the
	// start replays the whole stream and writes it again.
	if err := f.m.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.m.mails.Clear(ctx); err != nil {
		t.Fatal(err)
	}
	if err := f.m.cp.Set(ctx, 0); err != nil {
		t.Fatal(err)
	}
	f.m = f.start(f.env.NATS, time.Minute)
	waitFor(t, "the store rebuilt", func() bool { _, ok, err := f.m.mails.Get(ctx, ml.ID); return ok && err == nil })
	stored("rebuilt")
	waitFor(t, "the rebuilt mail gone from the model again", func() bool { return !f.heldMail(ml.ID) })
}

// heldMail reports whether the model holds the mail with id.
func (f *fixture) heldMail(id string) bool {
	var ok bool
	f.m.el.Read(func() { _, ok = f.m.state.Mail(id) })
	return ok
}

// TestAStartLetsGoOfMailsTheStoreHolds: the last snapshot was taken while a mail was
// queued, and the stop saved no newer one (its connection was gone). The start replays the
// mail's outcome onto it, writes it and lets it go from the model, the stored document whole.
func TestAStartLetsGoOfMailsTheStoreHolds(t *testing.T) {
	f := stack(t)
	ctx := context.Background()
	s := f.sendHeld(time.Minute)
	first, p := s.m, s.hire
	var queued []notify.Mail
	waitFor(t, "the queued mail stored", func() bool {
		queued = f.storedMails(t)
		return len(queued) == 1 && queued[0].Status == notify.MailQueued
	})
	id := queued[0].ID
	if err := first.el.SnapshotNow(ctx); err != nil { // holds the mail, queued
		t.Fatal(err)
	}
	s.answer <- nil
	f.ms.Release()
	waitFor(t, "the sent mail stored and gone from the model", func() bool {
		doc, ok, err := first.mails.Get(ctx, id)
		return err == nil && ok && doc.Status == notify.MailSent && !f.heldMail(id) && first.el.StoreCheckpoint() >= first.el.Applied()
	})
	s.nc.Close()
	_ = first.Close()

	f.restart(time.Minute)
	waitFor(t, "the mail gone from the model after the start", func() bool { return !f.heldMail(id) })
	if doc := f.mail(t, id); doc.Status != notify.MailSent || doc.To != p.email || doc.Text == "" || doc.HTML == "" {
		t.Fatalf("the stored mail after the start: %+v", doc)
	}
}

// TestAStartLetsGoOfTheMailsOfAnOldSnapshot: a snapshot of a version that kept every mail
// (its flush wrote them and let none go) loads; the start lets the done mails the store
// holds go from the model, and keeps the queued one until it is sent.
func TestAStartLetsGoOfTheMailsOfAnOldSnapshot(t *testing.T) {
	f := stack(t)
	ctx := context.Background()
	if err := bus.EnsureStreams(ctx, f.js); err != nil {
		t.Fatal(err)
	}
	db := f.env.Mongo.Database("notify")
	people, mails := store.NewCollection[notify.Recipient](db, "recipients"), store.NewCollection[notify.Mail](db, "mails")
	state := notify.NewState()
	old := eventlog.New(f.js, "NOTIFY", state, slog.New(slog.DiscardHandler))
	flush := func(ctx context.Context, keys []string) error { // the old flush: write, keep
		var rs []notify.Recipient
		var ms []notify.Mail
		old.Read(func() {
			for _, k := range keys {
				if r, ok := state.Recipient(strings.TrimPrefix(k, notify.PersonDoc)); ok && strings.HasPrefix(k, notify.PersonDoc) {
					rs = append(rs, r)
				}
				if m, ok := state.Mail(strings.TrimPrefix(k, notify.MailDoc)); ok && strings.HasPrefix(k, notify.MailDoc) {
					ms = append(ms, m)
				}
			}
		})
		return errors.Join(people.Put(ctx, rs...), mails.Put(ctx, ms...))
	}
	if err := old.Start(ctx, eventlog.Options{Flush: flush, Checkpoint: store.NewCheckpoint(db, "NOTIFY")}); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	var ids []string
	for i := range 3 {
		id := events.NewID(now)
		ids = append(ids, id)
		f.append(events.System, "p1", events.Notified{Key: fmt.Sprintf("ev:%d:p1", i), Mail: &events.NotifyMail{ID: id,
			To: "p1@example.org", Subject: "s", Text: "t", HTML: "<p>t</p>", MessageID: "<" + id + "@x>"}})
	}
	f.append(events.System, ids[0], events.MailSent{Person: "p1", Attempts: 1, Transport: "smtp"})
	_, last := f.env.Append(t, events.System, ids[1], events.MailFailed{Person: "p1", Attempts: 6, Reason: "gave up"})
	if !old.WaitApplied(ctx, last, 10*time.Second) {
		t.Fatal("the old model never applied the events")
	}
	if err := old.FlushNow(ctx); err != nil {
		t.Fatal(err)
	}
	if err := old.SnapshotNow(ctx); err != nil {
		t.Fatal(err)
	}
	old.Close()
	var held int
	old.Read(func() { held = state.HeldMails() })
	if held != 3 {
		t.Fatalf("the old model held %d mails", held)
	}

	f.m = f.start(f.env.NATS, time.Minute)
	for _, id := range ids {
		waitFor(t, "the done mails gone from the model", func() bool { return !f.heldMail(id) })
	}
	for i, want := range []string{notify.MailSent, notify.MailFailed, notify.MailSent} {
		if doc := f.mail(t, ids[i]); doc.Status != want || doc.Text != "t" {
			t.Errorf("mail %d: stored %+v, want %s", i, doc, want)
		}
	}
}
