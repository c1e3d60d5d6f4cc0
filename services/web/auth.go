package web

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"onramp.dev/events"
	"onramp.dev/events/identityapi"
	"onramp.dev/infra/rpc"
)

// The browser session: the access token and the refresh secret, each in a __Host- cookie
// (Secure, Path=/, no Domain), HttpOnly and SameSite=Lax.
const (
	cookieAccess  = "__Host-onramp"
	cookieRefresh = "__Host-onramp-refresh"
)

// viewer is the signed-in caller of a request: who they are and the sections of the portal
// identity says they may open. Web keeps no role rules of its own.
type viewer struct {
	identityapi.Session
	token string
}

func (v *viewer) caller() rpc.Caller { return rpc.Caller{Token: v.token} }

type viewerKey struct{}

func viewerFrom(ctx context.Context) *viewer { v, _ := ctx.Value(viewerKey{}).(*viewer); return v }

var errNoSession = errors.New("web: not signed in")

// authenticate finds the caller: a bearer token (API clients) or the session cookies
// (browsers). Identity checks the token (signature, expiry, issuer, audience) and that its
// session is live, and says who the person is now — one request, so the token is verified
// once per page, not twice; web keeps that answer briefly (sessions.go). An expired access cookie is renewed with the refresh cookie.
func (m *Main) authenticate(w http.ResponseWriter, r *http.Request) (*viewer, error) {
	if auth := r.Header.Get("Authorization"); auth != "" {
		tok, ok := strings.CutPrefix(auth, "Bearer ")
		if !ok {
			return nil, errNoSession
		}
		return m.session(r.Context(), tok)
	}
	if c, err := r.Cookie(cookieAccess); err == nil && c.Value != "" {
		if v, err := m.session(r.Context(), c.Value); err == nil {
			return v, nil
		}
	}
	c, err := r.Cookie(cookieRefresh)
	if err != nil || c.Value == "" {
		return nil, errNoSession
	}
	tok, err := rpc.Do(r.Context(), m.nc, identityapi.OpRefresh, rpc.Caller{}, events.RefreshRequest{Refresh: c.Value})
	if err != nil {
		clearSession(w)
		return nil, errNoSession
	}
	setCookie(w, cookieAccess, tok.Token, sessionExpiry())
	if tok.Refresh != "" { // rotated: the old secret is spent
		setCookie(w, cookieRefresh, tok.Refresh, sessionExpiry())
	}
	return m.session(r.Context(), tok.Token)
}

func (m *Main) session(ctx context.Context, token string) (*viewer, error) {
	if token == "" {
		return nil, errNoSession
	}
	if s, ok := m.sessions.get(token); ok {
		return &viewer{Session: s, token: token}, nil
	}
	gen := m.sessions.generation()
	s, err := rpc.Do(ctx, m.nc, identityapi.OpSession, rpc.Caller{Token: token}, events.None{})
	if err != nil {
		if events.CodeOf(err) == events.CodeUnauthorized {
			return nil, errNoSession
		}
		return nil, err
	}
	m.sessions.put(gen, token, s)
	return &viewer{Session: s, token: token}, nil
}

// sessionExpiry: the access cookie lives as long as the browser session may be refreshed;
// the token inside it expires sooner and is renewed.
func sessionExpiry() time.Time { return time.Now().Add(12 * time.Hour) }

func setCookie(w http.ResponseWriter, name, value string, expires time.Time) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: value, Path: "/", Expires: expires, MaxAge: int(time.Until(expires).Seconds()),
		Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode,
	})
}

func clearSession(w http.ResponseWriter) {
	for _, n := range []string{cookieAccess, cookieRefresh} {
		http.SetCookie(w, &http.Cookie{Name: n, Value: "", Path: "/", MaxAge: -1, Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	}
}

// page wraps a page handler: it needs a signed-in viewer, or sends the browser to the
// login page and back.
func (m *Main) page(h func(w http.ResponseWriter, r *http.Request, v *viewer)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := m.authenticate(w, r)
		if errors.Is(err, errNoSession) {
			target := "/login"
			if r.Method == http.MethodGet && r.URL.Path != "/" {
				target += "?next=" + url.QueryEscape(r.URL.RequestURI())
			}
			http.Redirect(w, r, target, http.StatusSeeOther)
			return
		}
		if err != nil {
			m.fail(w, r, err)
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), viewerKey{}, v))
		if m.pageOnce(w, r, v, h) {
			return
		}
		h(w, r, v)
	})
}

// api wraps a JSON API handler: it needs a signed-in viewer, or answers 401.
func (m *Main) api(h func(w http.ResponseWriter, r *http.Request, v *viewer)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := m.authenticate(w, r)
		if errors.Is(err, errNoSession) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="onramp"`)
			writeError(w, events.Errorf(events.CodeUnauthorized, "a valid access token is required"))
			return
		}
		if err != nil {
			m.logFailure(r, err)
			writeError(w, err)
			return
		}
		switch r.Method {
		case http.MethodPost, http.MethodPut, http.MethodPatch:
			m.idempotent(w, r, v, h)
		default:
			h(w, r, v)
		}
	})
}

// clientAddr is the peer address, used to rate-limit sign-ins per client. Proxies are not
// trusted: behind one, configure it to limit too.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// safeNext keeps a post-login (or post-form) redirect on this site: it answers next if
// next is a local path, else "/".
func safeNext(next string) string {
	if !localPath(next) {
		return "/"
	}
	return next
}

// localPath reports whether s is a path on this site and nothing a browser could read as
// another origin: it starts with a single "/" not followed by "/" or "\\"; it holds no
// backslash, control, whitespace or invisible formatting character (browsers strip TAB and
// newlines, so "/\t/evil.example" would become "//evil.example"), is valid UTF-8, and parses
// with no scheme, host or user.
func localPath(s string) bool {
	if len(s) == 0 || len(s) > 2048 || s[0] != '/' || !utf8.ValidString(s) {
		return false
	}
	if len(s) > 1 && (s[1] == '/' || s[1] == '\\') {
		return false
	}
	for _, r := range s {
		if r == '\\' || unicode.IsControl(r) || unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) {
			return false
		}
	}
	u, err := url.Parse(s)
	return err == nil && u.Scheme == "" && u.Host == "" && u.User == nil && u.Opaque == "" && strings.HasPrefix(u.Path, "/")
}
