// Package e2e tests Onramp end to end: the whole portal on the embedded engines, driven
// over HTTP and in headless Chromium, and the same services as separate processes.
package e2e

import (
	"context"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"onramp.dev/tools/demo"
	"onramp.dev/tools/portal"
)

const demoPassword = "onramp-demo"

// startPortal runs a fresh Onramp with the demo organisation for one test; opts adjust
// its configuration.
func startPortal(t *testing.T, opts ...func(*portal.Config)) *portal.Portal {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "onramp-e2e-") // short: the store's Unix socket lives here
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	cfg := portal.Config{Dir: dir, Listener: ln, Addr: ln.Addr().String()}
	for _, o := range opts {
		o(&cfg)
	}
	p, err := portal.Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	if _, err := demo.Seed(context.Background(), p.NATS, demoPassword, time.Now()); err != nil {
		t.Fatal(err)
	}
	return p
}

// client is an HTTP client that keeps the session cookies itself (Go's cookie jar will
// not send Secure cookies over plain http, and the portal's cookies are always Secure) and
// does not follow redirects, so tests see them.
type client struct {
	base    string
	cookies map[string]string
	hc      *http.Client
}

func newClient(base string) *client {
	return &client{base: base, cookies: map[string]string{}, hc: &http.Client{
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

func (c *client) do(t *testing.T, method, path, contentType, body string, header ...string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, c.base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	for k, v := range c.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	checkAgainstOpenAPI(t, c.base, req, resp)
	for _, ck := range resp.Cookies() {
		if ck.MaxAge < 0 {
			delete(c.cookies, ck.Name)
		} else {
			c.cookies[ck.Name] = ck.Value
		}
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}
