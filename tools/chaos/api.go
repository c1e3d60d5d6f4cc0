package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

const demoPassword = "onramp-demo"

// gate holds clients back while the portal is down: open while it serves, closed from
// just before a kill until it is ready again.
type gate struct {
	mu sync.Mutex
	ch chan struct{}
}

func newGate() *gate { return &gate{ch: make(chan struct{})} }

func (g *gate) open() {
	g.mu.Lock()
	defer g.mu.Unlock()
	select {
	case <-g.ch:
	default:
		close(g.ch)
	}
}

func (g *gate) close() {
	g.mu.Lock()
	defer g.mu.Unlock()
	select {
	case <-g.ch:
		g.ch = make(chan struct{})
	default:
	}
}

func (g *gate) wait(ctx context.Context) error {
	g.mu.Lock()
	ch := g.ch
	g.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// unreachable is how long a client waits for a portal that refuses connections while it
// should be up (it exited by itself) before giving up the run.
const unreachable = 5 * time.Minute

// errNoAnswer: the request may have reached the portal, but no answer came back.
var errNoAnswer = errors.New("no answer")

// api is one client's connection to the portal's JSON API.
type api struct {
	base string
	hc   *http.Client
	gate *gate
}

func newAPI(base string, g *gate) *api {
	return &api{base: base, gate: g, hc: &http.Client{
		Timeout:       30 * time.Second,
		Transport:     &http.Transport{MaxIdleConnsPerHost: 4},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// send makes one request once the gate is open. A request that could not even connect was
// never sent and is tried again; one that got no answer is errNoAnswer.
func (a *api) send(ctx context.Context, method, path, token, key string, body any) (int, []byte, error) {
	var payload []byte
	contentType := "application/json"
	if form, ok := body.(url.Values); ok { // the set-password page takes a form
		payload, contentType = []byte(form.Encode()), "application/x-www-form-urlencoded"
	} else if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return 0, nil, err
		}
	}
	var refusedSince time.Time
	for {
		if err := a.gate.wait(ctx); err != nil {
			return 0, nil, err
		}
		// Whether any byte of the request left: a dial error after that (the transport
		// reconnecting) does not mean the request was never sent.
		var wrote atomic.Bool
		traced := httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
			WroteHeaders: func() { wrote.Store(true) },
			WroteRequest: func(httptrace.WroteRequestInfo) { wrote.Store(true) },
		})
		req, err := http.NewRequestWithContext(traced, method, a.base+path, bytes.NewReader(payload))
		if err != nil {
			return 0, nil, err
		}
		// Without GetBody the transport cannot send a command again by itself (it would, as
		// the request has an Idempotency-Key): every send is one this client counts.
		req.GetBody = nil
		if body != nil {
			req.Header.Set("Content-Type", contentType)
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		if key != "" {
			req.Header.Set("Idempotency-Key", key)
		}
		resp, err := a.hc.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return 0, nil, ctx.Err()
			}
			if !wrote.Load() && neverSent(err) {
				if refusedSince.IsZero() {
					refusedSince = time.Now()
				} else if time.Since(refusedSince) > unreachable {
					return 0, nil, fmt.Errorf("chaos: the portal has refused connections for %v: %w", unreachable, err)
				}
				time.Sleep(50 * time.Millisecond)
				continue
			}
			return 0, nil, fmt.Errorf("%w: %v", errNoAnswer, err)
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return 0, nil, fmt.Errorf("%w: reading the answer: %v", errNoAnswer, err)
		}
		return resp.StatusCode, b, nil
	}
}

// neverSent reports whether err happened while connecting.
func neverSent(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// get reads path into v, retrying transient failures (no answer, 5xx) for up to a minute.
func (a *api) get(ctx context.Context, path, token string, v any) (int, error) {
	deadline := time.Now().Add(time.Minute)
	for {
		status, b, err := a.send(ctx, http.MethodGet, path, token, "", nil)
		if err == nil && status < 500 {
			if status == http.StatusOK && v != nil {
				if err := json.Unmarshal(b, v); err != nil {
					return status, fmt.Errorf("chaos: GET %s: %w", path, err)
				}
			}
			return status, nil
		}
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		if time.Now().After(deadline) {
			return status, fmt.Errorf("chaos: GET %s: %d %v", path, status, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// login exchanges e-mail and password for an access token, retrying while the portal is
// starting.
func (a *api) login(ctx context.Context, email, password string) (string, error) {
	deadline := time.Now().Add(2 * time.Minute)
	for {
		status, b, err := a.send(ctx, http.MethodPost, "/api/v1/auth/token", "", "",
			map[string]string{"email": email, "password": password})
		if err == nil && status == http.StatusOK {
			var t struct {
				Token string `json:"token"`
			}
			if err := json.Unmarshal(b, &t); err != nil {
				return "", fmt.Errorf("chaos: token for %s: %w", email, err)
			}
			return t.Token, nil
		}
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("chaos: token for %s: %d %s %v", email, status, b, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// session is one signed-in person; the token is renewed when the portal answers 401.
type session struct {
	email, password, id string
	mu                  sync.Mutex
	token               string
}

func (s *session) current() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.token
}

func (s *session) renew(ctx context.Context, a *api) error {
	tok, err := a.login(ctx, s.email, s.password)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.token = tok
	s.mu.Unlock()
	return nil
}

// getAs reads path as s into v like get, signing s in again if its token has expired.
func (a *api) getAs(ctx context.Context, path string, s *session, v any) (int, error) {
	status, err := a.get(ctx, path, s.current(), v)
	if err == nil && status == http.StatusUnauthorized {
		if err := s.renew(ctx, a); err != nil {
			return 0, err
		}
		return a.get(ctx, path, s.current(), v)
	}
	return status, err
}

func signIn(ctx context.Context, a *api, email, password string) (*session, error) {
	s := &session{email: email, password: password}
	if err := s.renew(ctx, a); err != nil {
		return nil, err
	}
	var me struct {
		ID string `json:"id"`
	}
	if status, err := a.get(ctx, "/api/v1/me", s.current(), &me); err != nil || status != http.StatusOK {
		return nil, fmt.Errorf("chaos: me for %s: %d %v", email, status, err)
	}
	s.id = me.ID
	return s, nil
}

func pathEscape(s string) string { return url.PathEscape(s) }
