// Package smtptest runs a real SMTP server (github.com/emersion/go-smtp) on a loopback
// port for tests: it keeps what it accepts, refuses addresses starting with "bounce" with
// 550, and can hold a message in DATA until the test answers for it.
package smtptest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Message is one accepted message.
type Message struct {
	From string
	To   []string
	Data []byte
}

// Server is a running mail server.
type Server struct {
	Addr string // host:port
	mu   sync.Mutex
	got  []Message
	hold chan chan error
	only string // hold only messages to this address ("" for all)
}

// Start starts a server for t, closed when t ends.
func Start(t testing.TB) *Server { return start(t, nil, false) }

// StartTLS starts a server offering STARTTLS (implicit: TLS from the first byte) with a
// certificate for 127.0.0.1 that the returned client configuration trusts.
func StartTLS(t testing.TB, implicit bool) (*Server, *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	srv := &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	return start(t, srv, implicit), &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
}

func start(t testing.TB, tc *tls.Config, implicit bool) *Server {
	t.Helper()
	ms, stop, err := Listen(tc, implicit)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return ms
}

// Listen starts a server outside a test (benchmarks): tc nil for plain SMTP; implicit for
// TLS from the first byte. Call stop to close it.
func Listen(tc *tls.Config, implicit bool) (ms *Server, stop func(), err error) {
	ms = &Server{}
	s := smtp.NewServer(ms)
	s.Domain = "localhost"
	s.AllowInsecureAuth = true
	s.TLSConfig = tc
	var ln net.Listener
	if implicit {
		ln, err = tls.Listen("tcp", "127.0.0.1:0", tc)
	} else {
		ln, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		return nil, nil, err
	}
	ms.Addr = ln.Addr().String()
	go func() { _ = s.Serve(ln) }()
	return ms, func() { _ = s.Close() }, nil
}

// Count is how many messages the server accepted.
func (ms *Server) Count() int {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	return len(ms.got)
}

// URL is the ONRAMP_SMTP_URL of the server (plain, on loopback).
func (ms *Server) URL() string { return "smtp://" + ms.Addr + "/?tls=none" }

// Hold makes every DATA announce itself on the returned channel and wait for the answer
// sent back on the channel it announces (nil accepts; an *smtp.SMTPError refuses).
func (ms *Server) Hold() <-chan chan error { return ms.HoldFor("") }

// HoldFor is Hold for messages to addr only.
func (ms *Server) HoldFor(addr string) <-chan chan error {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	ms.hold, ms.only = make(chan chan error), addr
	return ms.hold
}

// Release stops holding.
func (ms *Server) Release() {
	ms.mu.Lock()
	ms.hold = nil
	ms.mu.Unlock()
}

// Messages returns what the server accepted.
func (ms *Server) Messages() []Message {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	return append([]Message(nil), ms.got...)
}

// To returns the accepted messages for addr, parsed.
func (ms *Server) To(addr string) []*mail.Message {
	var out []*mail.Message
	for _, r := range ms.Messages() {
		for _, to := range r.To {
			if to == addr {
				if msg, err := mail.ReadMessage(bytes.NewReader(r.Data)); err == nil {
					out = append(out, msg)
				}
			}
		}
	}
	return out
}

// Parts returns the text/plain and text/html bodies of a multipart/alternative message.
func Parts(msg *mail.Message) (text, html string, err error) {
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		return "", "", errors.New("smtptest: Content-Type " + msg.Header.Get("Content-Type") + ", want multipart/alternative")
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return text, html, nil
		}
		if err != nil {
			return "", "", err
		}
		b, _ := io.ReadAll(p) // quoted-printable is decoded by the reader
		switch ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type")); ct {
		case "text/plain":
			text = string(b)
		case "text/html":
			html = string(b)
		}
	}
}

func (ms *Server) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{ms: ms}, nil }

type session struct {
	ms  *Server
	cur Message
}

func (s *session) Reset()        { s.cur = Message{} }
func (s *session) Logout() error { return nil }
func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	s.cur.From = from
	return nil
}
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if strings.HasPrefix(to, "bounce") {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox here"}
	}
	s.cur.To = append(s.cur.To, to)
	return nil
}
func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.ms.mu.Lock()
	hold := s.ms.hold
	if s.ms.only != "" && !slices.Contains(s.cur.To, s.ms.only) {
		hold = nil
	}
	s.ms.mu.Unlock()
	if hold != nil {
		answer := make(chan error)
		hold <- answer
		if err := <-answer; err != nil {
			return err
		}
	}
	s.cur.Data = b
	s.ms.mu.Lock()
	s.ms.got = append(s.ms.got, s.cur)
	s.ms.mu.Unlock()
	return nil
}
