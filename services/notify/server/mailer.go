package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"onramp.dev/events"
	"onramp.dev/services/notify"
)

// Mailer hands one rendered e-mail to a mail server (or keeps it). A refusal that retrying
// cannot fix (a 5xx answer) is reported as a *Refused error.
type Mailer interface {
	Send(ctx context.Context, from string, m events.NotifyMail, unsubscribe string) error
	// Transport names how mail leaves: "smtp" or "mailbox".
	Transport() string
}

// Refused is a permanent refusal by the mail server (5xx).
type Refused struct {
	Code   int
	Reason string
}

func (e *Refused) Error() string {
	return fmt.Sprintf("refused by the mail server (%d): %s", e.Code, e.Reason)
}

// SMTPConfig says how to reach the mail server, from ONRAMP_SMTP_URL:
//
//	smtps://user:pass@mail.example.com:465   TLS from the first byte
//	smtp://user:pass@mail.example.com:587    STARTTLS, required
//	smtp://127.0.0.1:2525/?tls=none          no TLS at all (a relay on the same host), only when asked for
type SMTPConfig struct {
	Host     string
	Port     int
	User     string
	Password string
	Implicit bool // smtps
	NoTLS    bool
	// TLS overrides the TLS settings (tests trust their own certificate authority).
	TLS *tls.Config
}

// ParseSMTPURL reads an ONRAMP_SMTP_URL.
func ParseSMTPURL(raw string) (SMTPConfig, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return SMTPConfig{}, fmt.Errorf("notify: ONRAMP_SMTP_URL: %w", err)
	}
	var c SMTPConfig
	switch u.Scheme {
	case "smtps":
		c.Implicit, c.Port = true, 465
	case "smtp":
		c.Port = 587
	default:
		return SMTPConfig{}, fmt.Errorf("notify: ONRAMP_SMTP_URL: scheme must be smtps or smtp, not %q", u.Scheme)
	}
	c.Host = u.Hostname()
	if c.Host == "" {
		return SMTPConfig{}, errors.New("notify: ONRAMP_SMTP_URL: no host")
	}
	if p := u.Port(); p != "" {
		if c.Port, err = strconv.Atoi(p); err != nil || c.Port < 1 || c.Port > 65535 {
			return SMTPConfig{}, fmt.Errorf("notify: ONRAMP_SMTP_URL: bad port %q", p)
		}
	}
	if u.User != nil {
		c.User = u.User.Username()
		c.Password, _ = u.User.Password()
	}
	for k, v := range u.Query() {
		switch {
		case k == "tls" && len(v) == 1 && v[0] == "none":
			if c.Implicit {
				return SMTPConfig{}, errors.New("notify: ONRAMP_SMTP_URL: smtps cannot be without TLS")
			}
			c.NoTLS = true
		default:
			return SMTPConfig{}, fmt.Errorf("notify: ONRAMP_SMTP_URL: unknown option %s=%s (only tls=none)", k, strings.Join(v, ","))
		}
	}
	return c, nil
}

// SMTP sends through a mail server with github.com/wneessen/go-mail.
type SMTP struct {
	cfg SMTPConfig
}

// NewSMTP returns a mailer for cfg.
func NewSMTP(cfg SMTPConfig) *SMTP { return &SMTP{cfg: cfg} }

func (s *SMTP) Transport() string { return "smtp" }

func (s *SMTP) Send(ctx context.Context, from string, m events.NotifyMail, unsubscribe string) error {
	msg := gomail.NewMsg()
	if err := msg.From(from); err != nil {
		return fmt.Errorf("%w: from %q: %v", errPermanentConfig, from, err)
	}
	if err := msg.To(m.To); err != nil {
		return &Refused{Code: 553, Reason: "invalid address: " + err.Error()}
	}
	msg.Subject(m.Subject)
	msg.SetMessageIDWithValue(strings.Trim(m.MessageID, "<>"))
	msg.SetGenHeader(gomail.HeaderListUnsubscribe, "<"+unsubscribe+">")
	msg.SetDate()
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)

	opts := []gomail.Option{gomail.WithPort(s.cfg.Port)}
	switch {
	case s.cfg.NoTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	case s.cfg.Implicit:
		opts = append(opts, gomail.WithSSL())
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if s.cfg.TLS != nil {
		opts = append(opts, gomail.WithTLSConfig(s.cfg.TLS))
	}
	if s.cfg.User != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover), gomail.WithUsername(s.cfg.User), gomail.WithPassword(s.cfg.Password))
	}
	c, err := gomail.NewClient(s.cfg.Host, opts...)
	if err != nil {
		return fmt.Errorf("notify: smtp client: %w", err)
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		var se *gomail.SendError
		if errors.As(err, &se) && se.ErrorCode() >= 500 && se.ErrorCode() < 600 {
			return &Refused{Code: se.ErrorCode(), Reason: err.Error()}
		}
		return fmt.Errorf("notify: smtp send: %w", err)
	}
	return nil
}

var errPermanentConfig = errors.New("notify: mail configuration")

// Mailbox stands in for a mail server when none is configured: each e-mail stays where
// it is recorded (notify's stream and store, which /admin/mail reads in demo mode) and its
// subject is logged. It never claims to have sent anything: the mail is recorded as kept.
type Mailbox struct {
	log *slog.Logger
}

// NewMailbox returns a mailbox that logs to logger.
func NewMailbox(logger *slog.Logger) *Mailbox { return &Mailbox{log: logger} }

func (b *Mailbox) Transport() string { return "mailbox" }

func (b *Mailbox) Send(_ context.Context, _ string, m events.NotifyMail, _ string) error {
	b.log.Info("mail kept in the local mailbox (no ONRAMP_SMTP_URL)", "to", m.To, "subject", m.Subject)
	return nil
}

// Env reads a setting from NAME, or from the file named by NAME_FILE (for secrets).
func Env(name string) (string, error) {
	if f := os.Getenv(name + "_FILE"); f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			return "", fmt.Errorf("notify: %s_FILE: %w", name, err)
		}
		return strings.TrimSpace(string(b)), nil
	}
	return os.Getenv(name), nil
}

// ConfigFromEnv reads ONRAMP_SMTP_URL, ONRAMP_SMTP_FROM, ONRAMP_PUBLIC_URL, ONRAMP_TZ,
// ONRAMP_WORKDAYS, ONRAMP_CALENDAR_KEY and ONRAMP_MAIL_RETRY_AFTER (each may come from a
// *_FILE) into cfg. Without ONRAMP_SMTP_URL, mail is kept in a mailbox.
func ConfigFromEnv(cfg Config, logger *slog.Logger) (Config, error) {
	get := func(name string, into *string) error {
		v, err := Env(name)
		if err == nil && v != "" {
			*into = v
		}
		return err
	}
	var smtpURL, tz, work, calKey, retry string
	for _, e := range []error{
		get("ONRAMP_SMTP_URL", &smtpURL), get("ONRAMP_SMTP_FROM", &cfg.From), get("ONRAMP_PUBLIC_URL", &cfg.PublicURL),
		get("ONRAMP_TZ", &tz), get("ONRAMP_WORKDAYS", &work), get("ONRAMP_CALENDAR_KEY", &calKey),
		get("ONRAMP_MAIL_RETRY_AFTER", &retry),
	} {
		if e != nil {
			return cfg, e
		}
	}
	if retry != "" {
		d, err := time.ParseDuration(retry)
		if err != nil || d < time.Second {
			return cfg, fmt.Errorf("notify: ONRAMP_MAIL_RETRY_AFTER: want a duration of at least 1s, like 2m")
		}
		cfg.SenderAckWait = d
	}
	if calKey != "" {
		if len(calKey) < 32 {
			return cfg, errors.New("notify: ONRAMP_CALENDAR_KEY must be at least 32 characters")
		}
		cfg.CalendarKey = []byte(calKey)
	}
	if tz != "" {
		loc, err := time.LoadLocation(tz)
		if err != nil {
			return cfg, fmt.Errorf("notify: ONRAMP_TZ: %w", err)
		}
		cfg.Zone = loc
	}
	if work != "" {
		w, err := notify.ParseWorkdays(work)
		if err != nil {
			return cfg, err
		}
		cfg.Workdays = w
	}
	if smtpURL != "" {
		sc, err := ParseSMTPURL(smtpURL)
		if err != nil {
			return cfg, err
		}
		cfg.Mailer = NewSMTP(sc)
		if cfg.From == "" {
			return cfg, errors.New("notify: ONRAMP_SMTP_FROM is required with ONRAMP_SMTP_URL")
		}
	} else if cfg.Mailer == nil {
		mb := NewMailbox(logger)
		cfg.Mailer, cfg.Mailbox = mb, true
	}
	return cfg, nil
}
