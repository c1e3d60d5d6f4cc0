package server

import (
	"bytes"
	"context"
	"log/slog"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"onramp.dev/events"
	"onramp.dev/infra/bus"
	"onramp.dev/infra/rpc"
	"onramp.dev/infra/servicetest"
	"onramp.dev/services/notify"
	"onramp.dev/services/notify/smtptest"
)

// --- the fixture: the notify service on a real embedded stack ---

type fixture struct {
	t     *testing.T
	env   *servicetest.Stack
	js    jetstream.JetStream
	ms    *smtptest.Server
	m     *Main
	keys  *servicetest.Keys
	clock *servicetest.Clock
	zone  *time.Location
}

func setup(t *testing.T) *fixture {
	t.Helper()
	f := stack(t)
	f.m = f.start(f.env.NATS, time.Minute)
	return f
}

// stack starts the engines and the mail server, but no service.
func stack(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{t: t, env: servicetest.Start(t), ms: smtptest.Start(t), keys: servicetest.NewKeys(t), zone: time.UTC,
		clock: servicetest.NewClock(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))} // a Monday
	f.js = f.env.JS
	return f
}

func (f *fixture) setNow(t time.Time) { f.clock.Set(t) }

func (f *fixture) config(ackWait time.Duration) Config {
	sc, err := ParseSMTPURL(f.ms.URL())
	if err != nil {
		f.t.Fatal(err)
	}
	return Config{
		Mailer: NewSMTP(sc), From: "Onramp <onramp@example.org>", PublicURL: "https://onramp.example.org",
		Now: f.clock.Now, SweepEvery: -1, Zone: f.zone,
		Attempts: 3, Backoff: []time.Duration{50 * time.Millisecond}, SenderAckWait: ackWait,
		Keys:        f.keys.Lookup,
		CalendarKey: bytes.Repeat([]byte("k"), 32),
	}
}

func (f *fixture) start(nc *nats.Conn, ackWait time.Duration) *Main {
	f.t.Helper()
	return servicetest.Run[*Main](f.t)(New(nc, f.env.Mongo.Database("notify"), slog.New(slog.DiscardHandler), f.config(ackWait)))
}

func (f *fixture) append(actor, subject string, p events.Payload) events.Envelope {
	f.t.Helper()
	env, _ := f.env.Append(f.t, actor, subject, p)
	return env
}

type person struct {
	id     string
	email  string
	caller rpc.Caller
}

// hire appends identity.staff.hired and returns the person with a token.
func (f *fixture) hire(id, team, lead string, roles ...string) person {
	f.t.Helper()
	email := id + "@example.org"
	f.append("hr", id, events.StaffHired{Email: email, Name: "Name " + id, Roles: roles, Team: team, Lead: lead, Track: "platform", StartDate: "2026-11-01"})
	waitFor(f.t, "directory knows "+id, func() bool { _, ok := f.m.dir.Person(id); return ok })
	return person{id: id, email: email, caller: f.keys.Caller(f.t, id, team, roles...)}
}

func call[Resp any](f *fixture, op string, c rpc.Caller, req any) (Resp, error) {
	return servicetest.Call[Resp](f.env.NATS, events.NotifyService, op, c, req)
}

var waitFor = servicetest.WaitFor

// mailsTo returns the messages the server accepted for addr, parsed.
func (f *fixture) mailsTo(addr string) []*mail.Message { return f.ms.To(addr) }

// parts returns the text/plain and text/html bodies of a multipart/alternative message.
func parts(t *testing.T, msg *mail.Message) (text, html string) {
	t.Helper()
	text, html, err := smtptest.Parts(msg)
	if err != nil {
		t.Fatal(err)
	}
	return text, html
}

// mail returns the mail with id as the store holds it (the model lets done mails go).
func (f *fixture) mail(t *testing.T, id string) notify.Mail {
	t.Helper()
	ml, _, err := f.m.mails.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return ml
}

// storedMails returns every mail the store holds, once the model's changes are written.
func (f *fixture) storedMails(t *testing.T) []notify.Mail {
	t.Helper()
	ctx := context.Background()
	if err := f.m.el.FlushNow(ctx); err != nil {
		t.Fatal(err)
	}
	var out []notify.Mail
	if err := f.m.mails.All(ctx, func(ml notify.Mail) error { out = append(out, ml); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

func (f *fixture) recipient(id string) notify.Recipient {
	var r notify.Recipient
	f.m.el.Read(func() { r, _ = f.m.state.Recipient(id) })
	return r
}

// --- e-mail ---

func TestSetPasswordLinkIsEmailed(t *testing.T) {
	f := setup(t)
	p := f.hire("p1", "platform", "", events.RoleHire)
	token := strings.Repeat("s3cret", 8)
	f.append("hr", p.id, events.LinkMailRequested{Token: token, ExpiresAt: time.Now().Add(7 * 24 * time.Hour)})

	waitFor(t, "the invitation at the mail server", func() bool { return len(f.mailsTo(p.email)) == 1 })
	msg := f.mailsTo(p.email)[0]
	if got := msg.Header.Get("Subject"); !strings.Contains(got, "set your password") {
		t.Errorf("Subject = %q", got)
	}
	if id := msg.Header.Get("Message-ID"); !strings.HasSuffix(id, "@onramp.example.org>") {
		t.Errorf("Message-ID = %q", id)
	}
	if u := msg.Header.Get("List-Unsubscribe"); u != "<https://onramp.example.org/settings/notifications>" {
		t.Errorf("List-Unsubscribe = %q", u)
	}
	text, html := parts(t, msg)
	link := "https://onramp.example.org/set-password?token=" + token
	if !strings.Contains(text, link) || !strings.Contains(html, link) {
		t.Errorf("the link is missing:\ntext: %s\nhtml: %s", text, html)
	}
	// Recorded as sent, once; an invitation is no inbox item.
	r := f.recipient(p.id)
	if len(r.Items) != 0 || len(r.Keys()) != 1 {
		t.Fatalf("recipient = %+v", r)
	}
	waitFor(t, "the mail recorded as sent", func() bool {
		all := f.storedMails(t)
		return len(all) == 1 && all[0].Status == notify.MailSent
	})
}

func TestRefusedAddressIsRecordedOnThePerson(t *testing.T) {
	f := setup(t)
	hr := f.hire("hr1", "people", "", events.RoleHR)
	p := f.hire("bounce1", "platform", "", events.RoleHire)
	f.append("hr1", p.id, events.LinkMailRequested{Token: strings.Repeat("x", 43), ExpiresAt: time.Now().Add(time.Hour)})

	waitFor(t, "the refusal recorded", func() bool { return f.recipient(p.id).Bounce != "" })
	if r := f.recipient(p.id); !strings.Contains(r.Bounce, "550") {
		t.Errorf("bounce = %q, want the server's 550", r.Bounce)
	}
	mails := f.storedMails(t)
	if len(mails) != 1 || mails[0].Status != notify.MailFailed {
		t.Fatalf("mails = %+v", mails)
	}
	problems, err := call[events.DeliveryProblemsReply](f, events.OpDeliveryProblems, hr.caller, nil)
	if err != nil || len(problems.Items) != 1 || problems.Items[0].Email != p.email {
		t.Fatalf("problems = %+v, %v", problems, err)
	}
	if _, err := call[events.DeliveryProblemsReply](f, events.OpDeliveryProblems, p.caller, nil); events.CodeOf(err) != events.CodeForbidden {
		t.Errorf("a hire reading delivery problems: %v, want forbidden", err)
	}
	// The refusal is dead-lettered with its reason too.
	waitFor(t, "a dead letter", func() bool {
		n, _ := bus.LastSeq(context.Background(), f.js, "DEADLETTER", events.DeadLetterPrefix+".notify-sender")
		return n > 0
	})
	if len(f.ms.Messages()) != 0 {
		t.Errorf("the server accepted %d messages", len(f.ms.Messages()))
	}
}

// TestCrashMidSendLosesNoMail kills the service while the mail server holds its message
// (its NATS connection drops: no record, no ack), then starts a new one. If the server
// refused the message it arrives once after the restart; if the server accepted it just as
// the process died (before the record), it arrives twice — the one duplicate allowed.
func TestCrashMidSendLosesNoMail(t *testing.T) {
	for _, c := range []struct {
		name   string
		answer error // the held message's fate
		copies int
	}{
		{"refused as the process dies", &smtp.SMTPError{Code: 421, Message: "connection lost"}, 1},
		{"accepted as the process dies", nil, 2},
	} {
		t.Run(c.name, func(t *testing.T) { crashMidSend(t, c.answer, c.copies) })
	}
}

// sending is a service whose mail server holds the set-password link it is sending a new
// hire: close nc to let the process die, and answer the held message with its fate.
type sending struct {
	nc     *nats.Conn // the service's own connection
	m      *Main
	hire   person
	answer chan error
}

// sendHeld starts the service on a connection of its own and has it send a hire's link,
// which the mail server holds.
func (f *fixture) sendHeld(ackWait time.Duration) sending {
	f.t.Helper()
	hold := f.ms.Hold()
	nc, err := f.env.Stack.Connect()
	if err != nil {
		f.t.Fatal(err)
	}
	f.m = f.start(nc, ackWait)
	p := f.hire("p1", "platform", "", events.RoleHire)
	f.append("hr", p.id, events.LinkMailRequested{Token: strings.Repeat("t", 43), ExpiresAt: time.Now().Add(time.Hour)})
	select {
	case answer := <-hold:
		return sending{nc: nc, m: f.m, hire: p, answer: answer}
	case <-time.After(20 * time.Second):
		f.t.Fatal("the mail never reached the server")
	}
	return sending{}
}

// restart starts the service again on a connection of its own.
func (f *fixture) restart(ackWait time.Duration) {
	f.t.Helper()
	nc, err := f.env.Stack.Connect()
	if err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(nc.Close)
	f.m = f.start(nc, ackWait)
}

func crashMidSend(t *testing.T, fate error, copies int) {
	f := stack(t)
	s := f.sendHeld(2 * time.Second)
	first, p := s.m, s.hire
	// Let the projector store what it has (else the restart waits out its ack wait: slow,
	// and not what this test is about), then the process dies mid-send.
	waitFor(t, "the mail stored", func() bool {
		var n int
		_ = first.mails.All(context.Background(), func(notify.Mail) error { n++; return nil })
		return n == 1
	})
	s.nc.Close()
	s.answer <- fate
	_ = first.Close()
	f.ms.Release()

	f.restart(2 * time.Second)
	waitFor(t, "the mail after the restart", func() bool { return len(f.mailsTo(p.email)) >= 1 })
	waitFor(t, "the mail recorded as sent", func() bool {
		all := f.storedMails(t)
		return len(all) == 1 && all[0].Status == notify.MailSent
	})
	if n := len(f.mailsTo(p.email)); n != copies {
		t.Errorf("%d copies arrived, want %d", n, copies)
	}
}
