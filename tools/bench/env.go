package main

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/nats-io/nats.go"

	"onramp.dev/events"
	"onramp.dev/infra/rpc"
	"onramp.dev/tools/child"
	"onramp.dev/tools/demo"
	"onramp.dev/tools/portal"
)

const password = "onramp-bench"

// env is a running portal with the demo organisation, an HR token and a hire's cookie.
type env struct {
	dir     string
	p       *portal.Portal // in-process mode
	proc    *child.Process // process mode: the portal is this child process
	debug   string         // process mode: the child's profile address
	nc      *nats.Conn
	base    string
	hrToken string
	cookie  string // Cookie header of a signed-in hire
}

func startEnv(ctx context.Context) (*env, error) {
	dir, err := os.MkdirTemp("", "onramp-bench-")
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p, err := portal.Start(ctx, portal.Config{Dir: dir, Listener: ln, Addr: ln.Addr().String(), Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		return nil, err
	}
	e := &env{dir: dir, p: p, base: p.URL(), nc: p.NATS}
	if _, err := demo.Seed(ctx, p.NATS, password, time.Now()); err != nil {
		e.close()
		return nil, err
	}
	if err := e.signIn(ctx); err != nil {
		e.close()
		return nil, err
	}
	return e, nil
}

// signIn signs the demo's HR in over NATS (hrToken) and the demo hire in through the login
// form (cookie).
func (e *env) signIn(ctx context.Context) error {
	tok, err := rpc.Call[events.TokenReply](ctx, e.nc, events.RPC(events.IdentityService, events.OpLogin), rpc.Caller{},
		events.LoginRequest{Email: "hr@demo.onramp", Password: password})
	if err != nil {
		return err
	}
	e.hrToken = tok.Token
	e.cookie, err = browserLogin(e.base, "hire@demo.onramp")
	return err
}

// browserLogin signs in through the login form and returns the session's Cookie header.
func browserLogin(base, email string) (string, error) {
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.PostForm(base+"/login", url.Values{"email": {email}, "password": {password}})
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return "", fmt.Errorf("login %s: status %d", email, resp.StatusCode)
	}
	var parts []string
	for _, ck := range resp.Cookies() {
		parts = append(parts, ck.Name+"="+ck.Value)
	}
	return strings.Join(parts, "; "), nil
}

func (e *env) close() {
	if e.p != nil {
		_ = e.p.Close()
	}
	if e.proc != nil {
		if e.nc != nil {
			e.nc.Close()
		}
		e.proc.Stop()
	}
	os.RemoveAll(e.dir)
}

func dirSize(dir string) (int64, error) {
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if info, err := d.Info(); err == nil {
			n += info.Size()
		}
		return nil
	})
	return n, err
}
