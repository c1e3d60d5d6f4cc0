package server

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"onramp.dev/events"
	"onramp.dev/services/notify/smtptest"
)

func TestParseSMTPURL(t *testing.T) {
	for _, c := range []struct {
		url  string
		want SMTPConfig
		err  string
	}{
		{url: "smtps://u:p%40ss@mail.example.com", want: SMTPConfig{Host: "mail.example.com", Port: 465, User: "u", Password: "p@ss", Implicit: true}},
		{url: "smtp://mail.example.com", want: SMTPConfig{Host: "mail.example.com", Port: 587}},
		{url: "smtp://127.0.0.1:2525/?tls=none", want: SMTPConfig{Host: "127.0.0.1", Port: 2525, NoTLS: true}},
		{url: "smtps://mail.example.com/?tls=none", err: "cannot be without TLS"},
		{url: "smtp://mail.example.com/?tls=off", err: "unknown option"},
		{url: "http://mail.example.com", err: "scheme"},
		{url: "smtp://:25", err: "no host"},
		{url: "smtp://mail.example.com:99999", err: "bad port"},
	} {
		got, err := ParseSMTPURL(c.url)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: %v, want an error about %q", c.url, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%s = %+v, %v; want %+v", c.url, got, err, c.want)
		}
	}
}

// TestTLS sends through STARTTLS and implicit TLS, and refuses to fall back to plain text
// when the server offers no STARTTLS.
func TestTLS(t *testing.T) {
	msg := events.NotifyMail{ID: events.NewID(testNow), To: "a@example.org", Subject: "Hello", Text: "hello", HTML: "<p>hello</p>", MessageID: "<x@example.org>"}
	send := func(cfg SMTPConfig) error {
		return NewSMTP(cfg).Send(context.Background(), "onramp@example.org", msg, "https://onramp.example.org/settings/notifications")
	}
	starttls, tc := smtptest.StartTLS(t, false)
	if err := send(SMTPConfig{Host: "127.0.0.1", Port: port(t, starttls.Addr), TLS: tc}); err != nil || len(starttls.To("a@example.org")) != 1 {
		t.Errorf("STARTTLS: %v", err)
	}
	implicit, tc2 := smtptest.StartTLS(t, true)
	if err := send(SMTPConfig{Host: "127.0.0.1", Port: port(t, implicit.Addr), Implicit: true, TLS: tc2}); err != nil || len(implicit.To("a@example.org")) != 1 {
		t.Errorf("implicit TLS: %v", err)
	}
	plain := smtptest.Start(t)
	err := send(SMTPConfig{Host: "127.0.0.1", Port: port(t, plain.Addr)})
	var refused *Refused
	if err == nil || errors.As(err, &refused) || len(plain.Messages()) != 0 {
		t.Errorf("a server without STARTTLS: %v, %d messages; want a retryable error and nothing sent", err, len(plain.Messages()))
	}
}

var testNow = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

func port(t *testing.T, addr string) int {
	t.Helper()
	_, p, _ := net.SplitHostPort(addr)
	n, err := strconv.Atoi(p)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
