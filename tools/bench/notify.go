package main

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"onramp.dev/events"
	notify "onramp.dev/services/notify/server"
	"onramp.dev/services/notify/smtptest"
)

// benchNotifySweep: the daily reminder sweep over n overdue training items (one per
// person): the time to decide, and the rate at which the reminders are handed to a local
// SMTP sink — beside the sink's raw rate for the same messages sent one after another with
// the same mail library, in the same run.
func benchNotifySweep(ctx context.Context, n int) (Pair, error) {
	s, err := startSolo(ctx)
	if err != nil {
		return Pair{}, err
	}
	defer s.close()
	sink, stop, err := smtptest.Listen(nil, false)
	if err != nil {
		return Pair{}, err
	}
	defer stop()
	sc, err := notify.ParseSMTPURL(sink.URL())
	if err != nil {
		return Pair{}, err
	}
	mailer := &gate{smtp: notify.NewSMTP(sc)}
	due := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC) // a Tuesday
	var now atomic.Pointer[time.Time]
	setNow := func(t time.Time) { now.Store(&t) }
	setNow(due.AddDate(0, 0, -10).Add(10 * time.Hour))
	m, err := notify.New(s.nc, s.mc.Database("notify"), slog.New(slog.DiscardHandler), notify.Config{
		Mailer: mailer, From: "Onramp <onramp@bench.onramp>", PublicURL: "http://127.0.0.1:8080",
		Now: func() time.Time { return *now.Load() }, SweepEvery: -1, CalendarKey: make([]byte, 32),
		Keys: func(context.Context) (map[string]ed25519.PublicKey, error) { return nil, nil },
	})
	if err != nil {
		return Pair{}, err
	}
	if err := m.Run(ctx); err != nil {
		return Pair{}, err
	}
	defer m.Close()

	envs, err := hires(n, "staff", "operations", "ops")
	if err != nil {
		return Pair{}, err
	}
	people := make([]string, n)
	for i, e := range envs {
		people[i] = e.Subject
	}
	asg, err := events.New("bench-hr", "asg-bench", events.AssignmentCreated{Module: "backup-and-restore", Kind: events.AssignTrack,
		Target: "operations", Due: due.Format(events.DateLayout), People: people}, time.Now())
	if err != nil {
		return Pair{}, err
	}
	if err := s.publishAll(append(envs, asg)); err != nil {
		return Pair{}, err
	}
	// Setting up: everyone is told of the assignment (those e-mails are counted, not sent).
	for deadline := time.Now().Add(10 * time.Minute); mailer.dropped.Load() < int64(n); {
		if time.Now().After(deadline) {
			return Pair{}, fmt.Errorf("only %d of %d assignment e-mails after 10 minutes", mailer.dropped.Load(), n)
		}
		time.Sleep(20 * time.Millisecond)
	}

	// The sweep on the day after the due date, at 10:00: one overdue reminder each.
	mailer.open.Store(true)
	setNow(due.AddDate(0, 0, 1).Add(10 * time.Hour))
	t0 := time.Now()
	if _, err := m.Sweep(ctx); err != nil {
		return Pair{}, err
	}
	decided := time.Since(t0)
	for deadline := time.Now().Add(20 * time.Minute); sink.Count() < n; {
		if time.Now().After(deadline) {
			return Pair{}, fmt.Errorf("only %d of %d reminders at the sink after 20 minutes", sink.Count(), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
	sent := time.Since(t0)

	// Raw: the same number of messages handed to the sink by the same library, in a loop.
	raw := notify.NewSMTP(sc)
	t1 := time.Now()
	for i := range n {
		ml := events.NotifyMail{ID: events.NewID(time.Now()), To: fmt.Sprintf("raw%d@bench.onramp", i), Subject: "Overdue: Backup and restore",
			Text: "Backup and restore was due on 2026-12-01.", HTML: "<p>Backup and restore was due on 2026-12-01.</p>", MessageID: fmt.Sprintf("<raw%d@bench>", i)}
		if err := raw.Send(ctx, "onramp@bench.onramp", ml, "http://127.0.0.1:8080/settings/notifications"); err != nil {
			return Pair{}, err
		}
	}
	rawTime := time.Since(t1)
	return Pair{
		Onramp: Result{Name: fmt.Sprintf("reminder sweep, %d overdue → handed to SMTP", n), Rate: float64(n) / sent.Seconds(), Unit: "mail",
			Detail: fmt.Sprintf("decided (every reminder recorded) in %v, all handed to the sink after %v", decided.Round(time.Millisecond), sent.Round(time.Millisecond))},
		Raw: Result{Name: fmt.Sprintf("raw go-mail sends of %d messages to the same sink", n), Rate: float64(n) / rawTime.Seconds(), Unit: "mail",
			Detail: fmt.Sprintf("%v", rawTime.Round(time.Millisecond))},
	}, nil
}

// gate drops mail (counting it) until opened, then sends it: the set-up's e-mails are not
// part of the measurement.
type gate struct {
	smtp    *notify.SMTP
	open    atomic.Bool
	dropped atomic.Int64
}

func (g *gate) Transport() string { return "smtp" }

func (g *gate) Send(ctx context.Context, from string, m events.NotifyMail, unsubscribe string) error {
	if !g.open.Load() {
		g.dropped.Add(1)
		return nil
	}
	return g.smtp.Send(ctx, from, m, unsubscribe)
}
