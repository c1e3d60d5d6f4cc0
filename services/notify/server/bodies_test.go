package server

import (
	"context"
	"strings"
	"testing"
	"time"

	"onramp.dev/events"
	"onramp.dev/infra/bus"
	"onramp.dev/services/notify"
)

// TestSentMailBodiesLiveInTheStore: once an e-mail is sent and its document written, the
// model forgets its text and HTML; the document keeps them when it is written again (a
// second outcome on the stream), and when the store is lost and rewritten from a snapshot
// that no longer holds them.
func TestSentMailBodiesLiveInTheStore(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	p := f.hire("p1", "platform", "", events.RoleHire)
	f.append("hr", p.id, events.LinkMailRequested{Token: strings.Repeat("t", 43), ExpiresAt: time.Now().Add(time.Hour)})
	waitFor(t, "the mail sent", func() bool { return len(f.mailsTo(p.email)) == 1 })
	crlf := strings.NewReplacer("\r\n", "\n")
	wantText, wantHTML := parts(t, f.mailsTo(p.email)[0])
	wantText, wantHTML = strings.TrimSpace(crlf.Replace(wantText)), strings.TrimSpace(crlf.Replace(wantHTML))

	var ml notify.Mail
	waitFor(t, "the model forgetting the sent mail's body", func() bool {
		var all []notify.Mail
		f.m.el.Read(func() { all = f.m.state.Mails(10) })
		if len(all) != 1 {
			return false
		}
		ml = all[0]
		return ml.Status == notify.MailSent && ml.BodyForgotten()
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
		if doc.Status != notify.MailSent || strings.TrimSpace(crlf.Replace(doc.Text)) != wantText || strings.TrimSpace(crlf.Replace(doc.HTML)) != wantHTML {
			t.Errorf("%s: stored mail = status %q, text %q, html %d bytes; want sent, %q, %d bytes",
				what, doc.Status, doc.Text, len(doc.HTML), wantText, len(wantHTML))
		}
	}
	stored("sent")

	// The demo's mailbox shows the text it no longer holds.
	admin := f.hire("a1", "platform", "", events.RoleAdmin)
	f.m.cfg.Mailbox, f.m.cfg.Demo = true, true
	box, err := call[events.MailboxReply](f, events.OpMailbox, admin.caller, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(box.Items) != 1 || strings.TrimSpace(crlf.Replace(box.Items[0].Text)) != wantText {
		t.Errorf("mailbox = %+v, want the mail with its text", box.Items)
	}

	// A second outcome names the document again: it is rewritten from the model, which
	// fetches the body back from the stream.
	env, err := events.New(events.System, ml.ID, events.MailSent{Person: p.id, Attempts: 9, Transport: "smtp"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	seq, err := bus.Append(ctx, f.js, env, bus.Expect{})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the second outcome written", func() bool { return f.m.el.StoreCheckpoint() >= seq })
	stored("written again")

	// The store is lost; the snapshot (saved at the stop) holds no bodies.
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
	waitFor(t, "the store rebuilt", func() bool { return f.m.el.StoreCheckpoint() >= seq })
	stored("rebuilt")
	var again notify.Mail
	f.m.el.Read(func() { again, _ = f.m.state.Mail(ml.ID) })
	if !again.BodyForgotten() {
		t.Error("the restarted model holds the sent mail's body again")
	}
}
