// Package web is Onramp's web front end: HTML pages rendered with templ (onramp.dev/views)
// and the JSON API under /api/v1. It holds no domain data: every page and API call becomes
// a NATS request to the service that owns the data, carrying the caller's access token, and
// that service decides what the caller may see or change.
package web

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/nats-io/nats.go"

	"onramp.dev/events"
	"onramp.dev/events/identityapi"
	"onramp.dev/infra/rpc"
	"onramp.dev/infra/trace"
	"onramp.dev/views/static"
)

// Config tunes the web service.
type Config struct {
	Addr     string       // listen address, e.g. 127.0.0.1:8080
	Listener net.Listener // overrides Addr (tests)
	// Ready reports whether the store behind the services answers (for /readyz); nil: the
	// identity service answering is enough.
	Ready func(ctx context.Context) error
	// ProtoHeader names a header a trusted reverse proxy sets to the scheme the browser
	// used (e.g. X-Forwarded-Proto); "https" there, or TLS here, adds
	// Strict-Transport-Security. Empty: no proxy is trusted.
	ProtoHeader string
	// SessionCache is how long web keeps identity's answer that an access token is genuine
	// and its session live, when no event has ended the session or changed its person
	// (see sessions.go). 0: 5 s; negative: web asks identity on every request.
	SessionCache time.Duration
}

// Main is the web service.
type Main struct {
	nc         *nats.Conn
	log        *slog.Logger
	cfg        Config
	srv        *http.Server
	ln         net.Listener
	done       chan error
	closing    chan struct{} // closed when Close begins: ends live streams
	replays    replays       // first answers by Idempotency-Key
	streams    *liveStreams  // open live streams per session and client address
	exports    chan struct{} // a token per export being written (at most maxExports)
	exportWait time.Duration // how long an export waits for a turn
	info       infoCache     // onboarding's templates info (names of tracks, owners, sections)
	sessions   *sessionCache // identity's recent answers about access tokens
}

// New builds the web service on a NATS connection.
func New(nc *nats.Conn, logger *slog.Logger, cfg Config) *Main {
	m := &Main{nc: nc, log: logger.With("service", "web"), cfg: cfg, done: make(chan error, 1), closing: make(chan struct{}),
		replays: replays{nc: nc, boot: events.NewID(time.Now())}, streams: &liveStreams{n: map[string]int{}},
		exports: make(chan struct{}, maxExports), exportWait: exportWait, sessions: newSessionCache(0)}
	return m
}

// Run starts listening and returns once the server accepts connections.
func (m *Main) Run(ctx context.Context) error {
	ln := m.cfg.Listener
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", m.cfg.Addr); err != nil {
			return fmt.Errorf("web: listen: %w", err)
		}
	}
	m.ln = ln
	// Sessions are cached only while web hears the events that end them.
	ttl := cmp.Or(m.cfg.SessionCache, sessionTTL)
	if ttl > 0 {
		m.sessions.ttl = ttl
		if err := m.sessions.listen(m.nc); err != nil {
			ln.Close()
			return fmt.Errorf("web: listen for ended sessions: %w", err)
		}
	}
	m.srv = &http.Server{
		Handler:           m.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(m.log.Handler(), slog.LevelWarn),
	}
	go func() { m.done <- m.srv.Serve(ln) }()
	m.log.Info("web listening", "url", m.URL())
	return nil
}

// URL is where the server listens.
func (m *Main) URL() string { return "http://" + m.ln.Addr().String() }

// Close stops accepting and waits up to 10 s for requests in flight.
func (m *Main) Close() error {
	if m.srv == nil {
		return nil
	}
	close(m.closing)
	m.sessions.close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := m.srv.Shutdown(ctx)
	<-m.done
	return err
}

// Handler is the whole site: pages, API, static files, with the security middleware.
func (m *Main) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /static/", http.StripPrefix("/static/", static.Handler()))
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, static.Path("favicon.svg"), http.StatusMovedPermanently)
	})
	mux.HandleFunc("GET /healthz", m.healthz)
	mux.HandleFunc("GET /readyz", m.readyz)

	for _, rt := range m.pageRoutes() {
		mux.Handle(rt.pattern, rt.handler)
	}
	for _, rt := range m.apiRoutes() {
		mux.Handle(rt.pattern, rt.handler)
	}
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		if e := wrongMethod(mux, w, r); e != nil {
			writeError(w, e)
			return
		}
		writeError(w, events.Errorf(events.CodeNotFound, "no such API route: %s %s", r.Method, r.URL.Path))
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if e := wrongMethod(mux, w, r); e != nil {
			m.fail(w, r, e)
			return
		}
		m.notFound(w, r)
	})

	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(m.crossOrigin))
	return m.recoverer(traced(securityHeaders(m.cfg.ProtoHeader, cop.Handler(m.formHygiene(mux)))))
}

// wrongMethod answers a request whose path is a route for other methods only: 405 with
// Allow listing them (the catch-all patterns would otherwise make it a 404).
func wrongMethod(mux *http.ServeMux, w http.ResponseWriter, r *http.Request) error {
	var allow []string
	for _, method := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = method
		if _, pattern := mux.Handler(probe); pattern != "/" && pattern != "/api/" && pattern != "" {
			allow = append(allow, method)
		}
	}
	if len(allow) == 0 {
		return nil
	}
	if slices.Contains(allow, http.MethodGet) {
		allow = append(allow, http.MethodHead)
	}
	w.Header().Set("Allow", strings.Join(allow, ", "))
	return events.Errorf(events.CodeMethod, "%s is not allowed here; use %s", r.Method, strings.Join(allow, " or "))
}

// formHygiene checks every submitted form field (not the JSON API, whose decoder does the
// same): a form over 64 KiB is 413, a field that is not valid UTF-8 or holds a NUL
// character is 422 naming the field.
func (m *Main) formHygiene(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if isAPI(r) || ct != "application/x-www-form-urlencoded" || r.Method == http.MethodGet || r.Method == http.MethodHead {
			next.ServeHTTP(w, r)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		if err := r.ParseForm(); err != nil {
			if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
				m.fail(w, r, events.Errorf(events.CodeTooLarge, "The form is larger than 64 KiB."))
				return
			}
			m.fail(w, r, events.Errorf(events.CodeBadRequest, "The form could not be read."))
			return
		}
		for field, values := range r.PostForm {
			for _, v := range values {
				if !utf8.ValidString(field) || !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
					m.fail(w, r, &events.Error{Code: events.CodeInvalid, Message: "The field " + strconv.Quote(strings.ToValidUTF8(field, "?")) +
						" must be valid UTF-8 text without NUL characters.", Fields: map[string]string{field: "Must be valid UTF-8 text without NUL characters."}})
					return
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}

// Routes lists the pattern of every page and API route the site serves, so that tests can
// cover each one (the authorization matrix).
func Routes() []string {
	m := &Main{}
	var out []string
	for _, rt := range append(m.pageRoutes(), m.apiRoutes()...) {
		out = append(out, rt.pattern)
	}
	return out
}

type route struct {
	pattern string
	handler http.Handler
}

// pageRoutes are the HTML pages; each domain adds its own table.
func (m *Main) pageRoutes() []route {
	rs := []route{
		{"GET /login", http.HandlerFunc(m.loginPage)},
		{"POST /login", http.HandlerFunc(m.login)},
		{"POST /logout", http.HandlerFunc(m.logout)},
		{"GET /set-password", http.HandlerFunc(m.setPasswordPage)},
		{"POST /set-password", http.HandlerFunc(m.setPassword)},
		{"GET /{$}", m.page(m.home)},
		{"GET /people", m.page(m.peoplePage)},
		{"POST /people", m.page(m.invite)},
		{"GET /people/{id}", m.page(m.profilePage)},
		{"POST /people/{id}/link", m.page(m.issueLink)},
		{"POST /people/{id}/disable", m.page(m.disable)},
		{"POST /people/{id}/enable", m.page(m.enable)},
		{"GET /live", m.page(m.live)},
	}
	rs = append(rs, m.onboardingPages()...)
	rs = append(rs, m.skillsPages()...)
	rs = append(rs, m.trainingPages()...)
	rs = append(rs, m.mentorshipPages()...)
	rs = append(rs, m.notifyPages()...)
	return rs
}

// apiRoutes is the JSON API; openapi.json documents exactly these (a test checks).
func (m *Main) apiRoutes() []route {
	rs := []route{
		{"POST /api/v1/auth/token", http.HandlerFunc(m.apiToken)},
		{"POST /api/v1/auth/logout", m.api(m.apiLogout)},
		{"GET /api/v1/me", m.api(m.apiMe)},
		{"GET /api/v1/people", m.api(m.apiPeople)},
		{"POST /api/v1/people", m.api(m.apiInvite)},
		{"GET /api/v1/people/{id}", m.api(m.apiPerson)},
		{"GET /api/v1/openapi.json", http.HandlerFunc(serveOpenAPI)},
	}
	rs = append(rs, m.onboardingAPI()...)
	rs = append(rs, m.skillsAPIRoutes()...)
	rs = append(rs, m.trainingAPI()...)
	rs = append(rs, m.mentorshipAPI()...)
	rs = append(rs, m.notifyAPI()...)
	return rs
}

func (m *Main) healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

// readyz answers 200 when NATS is connected, the identity service answers and the store
// check (if any) passes.
func (m *Main) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	var problems []string
	if !m.nc.IsConnected() {
		problems = append(problems, "nats: not connected")
	} else if _, err := rpc.Do(ctx, m.nc, identityapi.OpKeys, rpc.Caller{}, events.None{}); err != nil {
		problems = append(problems, "identity: "+err.Error())
	}
	if m.cfg.Ready != nil {
		if err := m.cfg.Ready(ctx); err != nil {
			problems = append(problems, "store: "+err.Error())
		}
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if len(problems) > 0 {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte(strings.Join(problems, "\n") + "\n"))
		return
	}
	_, _ = w.Write([]byte("ready\n"))
}

// traced continues the caller's W3C trace (traceparent header) or starts one; every NATS
// request made for this HTTP request carries it, and so does every event it causes.
func traced(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, tp := trace.Ensure(r.Context(), r.Header.Get(trace.Header))
		w.Header().Set(trace.Header, tp)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// securityHeaders sets the headers every response carries, and HSTS when the browser came
// over HTTPS (here, or through a proxy that says so in the trusted protoHeader).
func securityHeaders(protoHeader string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		if r.TLS != nil || protoHeader != "" && strings.EqualFold(r.Header.Get(protoHeader), "https") {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
			"connect-src 'self'; form-action 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if !strings.HasPrefix(r.URL.Path, "/static/") {
			h.Set("Cache-Control", "no-store")
		}
		next.ServeHTTP(w, r)
	})
}

func (m *Main) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				m.log.Error("panic", "path", r.URL.Path, "panic", v)
				m.fail(w, r, errors.New("panic"))
			}
		}()
		next.ServeHTTP(w, r)
	})
}
