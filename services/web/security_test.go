package web

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/nats-io/nats.go"

	"onramp.dev/events"
	"onramp.dev/events/identityapi"
	"onramp.dev/infra/devstack/devstacktest"
)

// A service that takes the request but does not answer in time is "unavailable, retry"
// (503 with Retry-After), not an internal error.
func TestUpstreamTimeoutIs503(t *testing.T) {
	env := devstacktest.Start(t)
	// An identity that accepts sign-ins and never answers them.
	sub, err := env.NATS.Subscribe(events.RPC(events.IdentityService, events.OpLogin), func(*nats.Msg) {})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sub.Unsubscribe() })
	m := New(env.NATS, slog.New(slog.DiscardHandler), Config{})
	h := m.Handler()
	for _, tc := range []struct{ path, ctype, body string }{
		{"/api/v1/auth/token", "application/json", `{"email":"a@example.org","password":"whatever1"}`},
		{"/login", "application/x-www-form-urlencoded", "email=a%40example.org&password=whatever1"},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		req := httptest.NewRequestWithContext(ctx, "POST", tc.path, strings.NewReader(tc.body))
		req.Header.Set("Content-Type", tc.ctype)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		cancel()
		if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
			t.Errorf("POST %s with a silent identity: %d, Retry-After %q", tc.path, rec.Code, rec.Header().Get("Retry-After"))
		}
	}
}

// redirectCorpus is what attackers try on next= (TAB, backslash, their encodings, protocol-
// relative and scheme URLs, Unicode look-alikes), with what safeNext must answer.
var redirectCorpus = []struct{ in, want string }{
	{"/onboarding/tasks?team=platform", "/onboarding/tasks?team=platform"},
	{"/", "/"},
	{"/people/демо", "/people/демо"},
	{"/%2F%2Fevil.example", "/%2F%2Fevil.example"}, // encoded: stays a path
	{"/\t/evil.example", "/"},
	{"/%09/evil.example", "/%09/evil.example"},
	{"/\n/evil.example", "/"},
	{"/\r\n/evil.example", "/"},
	{"//evil.example", "/"},
	{"/\\evil.example", "/"},
	{"/\\/evil.example", "/"},
	{"\\\\evil.example", "/"},
	{"/a\\..\\..\\evil", "/"},
	{"/%5cevil.example", "/%5cevil.example"},
	{"https://evil.example/", "/"},
	{"javascript:alert(1)", "/"},
	{"JaVaScRiPt:alert(1)", "/"},
	{" /evil", "/"},
	{"/ /evil", "/"},
	{"/\u00a0/evil.example", "/"}, // no-break space
	{"/\u3000/evil.example", "/"}, // ideographic space
	{"/\u200b/evil.example", "/"}, // zero-width space
	{"/\u202e/gnp.exe", "/"},      // right-to-left override
	{"/\x00/evil.example", "/"},
	{"/\xff/evil", "/"},
	{"", "/"},
	{"evil.example", "/"},
	{"/／evil.example", "/／evil.example"}, // a full-width solidus is a path character
}

func TestSafeNext(t *testing.T) {
	for _, tc := range redirectCorpus {
		if got := safeNext(tc.in); got != tc.want {
			t.Errorf("safeNext(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// FuzzSafeNext: whatever next is, the redirect safeNext allows stays on this origin, also
// after the clean-ups a browser applies (stripping TAB and newlines, reading "\" as "/").
func FuzzSafeNext(f *testing.F) {
	for _, tc := range redirectCorpus {
		f.Add(tc.in)
	}
	base, _ := url.Parse("https://onramp.example/login")
	f.Fuzz(func(t *testing.T, next string) {
		got := safeNext(next)
		if got != "/" && got != next {
			t.Fatalf("safeNext(%q) = %q: neither the input nor /", next, got)
		}
		browser := strings.NewReplacer("\t", "", "\n", "", "\r", "", "\\", "/").Replace(strings.TrimSpace(got))
		for _, loc := range []string{got, browser} {
			u, err := url.Parse(loc)
			if err != nil {
				t.Fatalf("safeNext(%q) = %q, which does not parse: %v", next, got, err)
			}
			if r := base.ResolveReference(u); r.Scheme != "https" || r.Host != "onramp.example" {
				t.Fatalf("safeNext(%q) = %q leads to %s", next, got, r)
			}
		}
	})
}

// HSTS is sent over TLS, or behind a proxy that says so through the configured header
// only; a client cannot ask for it through an untrusted header.
func TestStrictTransportSecurity(t *testing.T) {
	env := devstacktest.Start(t)
	for _, tc := range []struct {
		name, protoHeader string
		tls               bool
		header            map[string]string
		want              bool
	}{
		{"plain http", "", false, nil, false},
		{"tls", "", true, nil, true},
		{"trusted proxy says https", "X-Forwarded-Proto", false, map[string]string{"X-Forwarded-Proto": "https"}, true},
		{"trusted proxy says http", "X-Forwarded-Proto", false, map[string]string{"X-Forwarded-Proto": "http"}, false},
		{"untrusted header", "", false, map[string]string{"X-Forwarded-Proto": "https"}, false},
	} {
		h := New(env.NATS, slog.New(slog.DiscardHandler), Config{ProtoHeader: tc.protoHeader}).Handler()
		req := httptest.NewRequest("GET", "/healthz", nil)
		if tc.tls {
			req.TLS = &tls.ConnectionState{}
		}
		for k, v := range tc.header {
			req.Header.Set(k, v)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if got := rec.Header().Get("Strict-Transport-Security") != ""; got != tc.want {
			t.Errorf("%s: HSTS %v, want %v", tc.name, got, tc.want)
		}
	}
}

// JSON bodies: bad text is 422 naming the field, data after the value is 400, a body over
// the limit is 413.
func TestDecodeHygiene(t *testing.T) {
	type inner struct {
		Title string `json:"title"`
	}
	type body struct {
		Name  string  `json:"name"`
		Items []inner `json:"items"`
	}
	for _, tc := range []struct {
		name, raw, code, field string
	}{
		{"fine", `{"name":"José \ufffd","items":[{"title":"x"}]}`, "", ""},
		{"escaped pair", `{"name":"\ud83d\ude00"}`, "", ""},
		{"invalid utf-8", "{\"name\":\"a\xffb\"}", events.CodeInvalid, "name"},
		{"NUL", `{"name":"a\u0000b"}`, events.CodeInvalid, "name"},
		{"lone surrogate", `{"name":"\ud800x"}`, events.CodeInvalid, "name"},
		{"nested", "{\"name\":\"ok\",\"items\":[{\"title\":\"ok\"},{\"title\":\"\xc3\"}]}", events.CodeInvalid, "items[1].title"},
		{"trailing data", `{"name":"a"} x`, events.CodeBadRequest, ""},
		{"trailing value", `{"name":"a"}{}`, events.CodeBadRequest, ""},
		{"too large", `{"name":"` + strings.Repeat("a", 70<<10) + `"}`, events.CodeTooLarge, ""},
	} {
		var v body
		err := decode(httptest.NewRecorder(), httptest.NewRequest("POST", "/", strings.NewReader(tc.raw)), &v)
		if tc.code == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		var e *events.Error
		if !errors.As(err, &e) || e.Code != tc.code || tc.field != "" && e.Fields[tc.field] == "" {
			t.Errorf("%s: %v, want %s on %q", tc.name, err, tc.code, tc.field)
		}
	}
}

// Forms: bad text is 422, an oversized form 413; a known path with the wrong method is 405
// with Allow, for pages and the API.
func TestFormAndMethodHygiene(t *testing.T) {
	env := devstacktest.Start(t)
	h := New(env.NATS, slog.New(slog.DiscardHandler), Config{}).Handler()
	for _, tc := range []struct {
		method, path, body string
		want               int
		allow              string
	}{
		{"POST", "/login", "email=a%FFb&password=x", 422, ""},
		{"POST", "/login", "email=a%00b&password=x", 422, ""},
		{"POST", "/login", "email=" + strings.Repeat("a", 70<<10), 413, ""},
		{"DELETE", "/api/v1/me", "", 405, "GET, HEAD"},
		{"PUT", "/api/v1/auth/token", "", 405, "POST"},
		{"DELETE", "/login", "", 405, "GET, POST, HEAD"},
		{"GET", "/api/v1/nothing-here", "", 404, ""},
	} {
		req := httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body))
		if tc.body != "" {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != tc.want || rec.Header().Get("Allow") != tc.allow {
			t.Errorf("%s %s: %d Allow %q, want %d Allow %q", tc.method, tc.path, rec.Code, rec.Header().Get("Allow"), tc.want, tc.allow)
		}
	}
}

// apiBodies makes a fresh value of every JSON body type the API decodes.
var apiBodies = map[string]func() any{
	"token":       func() any { return &tokenRequest{} },
	"invite":      func() any { return &inviteRequest{} },
	"profile":     func() any { return &mentorProfileBody{} },
	"propose":     func() any { return &events.ProposeRequest{} },
	"checkin":     func() any { return &checkinBody{} },
	"add task":    func() any { return &addTaskBody{} },
	"import":      func() any { return &events.SkillImportRequest{} },
	"level":       func() any { return &levelBody{} },
	"certificate": func() any { return &certBody{} },
	"assign":      func() any { return &assignRequest{} },
	"attempt":     func() any { return &attemptRequest{} },
	"grant":       func() any { return &grantRequest{} },
}

// FuzzDecode: whatever body comes in, every API body type either decodes to text that is
// valid UTF-8 without NUL, or is refused as a bad request (400) or bad text (422) — never
// a panic, never another answer.
func FuzzDecode(f *testing.F) {
	for _, seed := range []string{
		`{"email":"a@b.c","password":"x"}`, `{"email":1}`, `{} {}`, `{"name":"a\u0000"}`, "{\"name\":\"\xff\"}",
		`{"answers":{"q1":["a","b"]}}`, `{"title":"t","owner":"hire","due":"2026-12-01"}`, `{"skills":["x"],"capacity":2}`,
		`{"content":"\ud800"}`, `[`, `null`, `{"level":3}`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		for name, mk := range apiBodies {
			v := mk()
			err := decodeBytes([]byte(body), v)
			if err != nil {
				if c := events.CodeOf(err); c != events.CodeBadRequest && c != events.CodeInvalid {
					t.Fatalf("%s: %q gave %v", name, body, err)
				}
				continue
			}
			walkStrings(reflect.ValueOf(v), func(s string) {
				if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
					t.Fatalf("%s: %q decoded to bad text %q", name, body, s)
				}
			})
		}
	})
}

func walkStrings(v reflect.Value, f func(string)) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			walkStrings(v.Elem(), f)
		}
	case reflect.String:
		f(v.String())
	case reflect.Struct:
		for i := range v.NumField() {
			walkStrings(v.Field(i), f)
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			walkStrings(v.Index(i), f)
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			walkStrings(k, f)
			walkStrings(v.MapIndex(k), f)
		}
	}
}

// The OpenAPI document is accurate about what the server does: every operation has a
// unique operationId and a declared tag; every request body refuses unknown fields (as the
// decoder does); and the errors an operation can answer are described.
func TestOpenAPIDescribesOperationsAndErrors(t *testing.T) {
	type op struct {
		OperationID string           `json:"operationId"`
		Tags        []string         `json:"tags"`
		Security    *[]any           `json:"security"`
		RequestBody *json.RawMessage `json:"requestBody"`
		Responses   map[string]any   `json:"responses"`
	}
	var doc struct {
		Tags       []struct{ Name string } `json:"tags"`
		Paths      map[string]map[string]op
		Components struct {
			Schemas map[string]map[string]any `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(openAPI, &doc); err != nil {
		t.Fatal(err)
	}
	declared := map[string]bool{}
	for _, tg := range doc.Tags {
		declared[tg.Name] = true
	}
	ids := map[string]string{}
	for path, ops := range doc.Paths {
		for method, o := range ops {
			name := strings.ToUpper(method) + " " + path
			if o.OperationID == "" {
				t.Errorf("%s has no operationId", name)
			} else if other, dup := ids[o.OperationID]; dup {
				t.Errorf("%s and %s share operationId %s", name, other, o.OperationID)
			}
			ids[o.OperationID] = name
			if len(o.Tags) == 0 {
				t.Errorf("%s has no tag", name)
			}
			for _, tg := range o.Tags {
				if !declared[tg] {
					t.Errorf("%s: tag %q is not declared", name, tg)
				}
			}
			want := []string{"503"}
			if o.Security == nil || len(*o.Security) > 0 {
				want = append(want, "401", "403")
			}
			if strings.Contains(path, "{") {
				want = append(want, "404")
			}
			if o.RequestBody != nil {
				want = append(want, "400", "413", "422")
				var rb struct {
					Content map[string]struct {
						Schema map[string]any `json:"schema"`
					} `json:"content"`
				}
				_ = json.Unmarshal(*o.RequestBody, &rb)
				for _, c := range rb.Content {
					s := c.Schema
					if ref, ok := s["$ref"].(string); ok {
						s = doc.Components.Schemas[strings.TrimPrefix(ref, "#/components/schemas/")]
					}
					if s["additionalProperties"] != false {
						t.Errorf("%s: the request body schema allows unknown fields, which the server refuses", name)
					}
				}
			}
			for _, code := range want {
				if o.Responses[code] == nil {
					t.Errorf("%s does not describe its %s answer", name, code)
				}
			}
		}
	}
}

// Live streams are bounded per session and per address; closing one frees its place.
func TestLiveStreamBounds(t *testing.T) {
	l := &liveStreams{n: map[string]int{}}
	var open []func()
	for range 3 {
		release, ok := l.open([]string{"session:a", "client:x"}, []int{3, 4})
		if !ok {
			t.Fatal("refused below the bounds")
		}
		open = append(open, release)
	}
	if _, ok := l.open([]string{"session:a", "client:x"}, []int{3, 4}); ok {
		t.Fatal("a 4th stream for the session")
	}
	rel, ok := l.open([]string{"session:b", "client:x"}, []int{3, 4})
	if !ok {
		t.Fatal("another session of the address refused below the address bound")
	}
	if _, ok := l.open([]string{"session:c", "client:x"}, []int{3, 4}); ok {
		t.Fatal("a 5th stream for the address")
	}
	open[0]()
	if _, ok := l.open([]string{"session:a", "client:x"}, []int{3, 4}); !ok {
		t.Fatal("a closed stream's place was not freed")
	}
	rel()
	if sessionOf("x.eyJzaWQiOiJzLTEifQ.y") != "s-1" || sessionOf("garbage") != "" {
		t.Error("sessionOf")
	}
}

// An upload over its limit is 413, not "choose a file".
func TestImportUploadTooLarge(t *testing.T) {
	var body strings.Builder
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "big.csv")
	_, _ = fw.Write([]byte(strings.Repeat("a", 7<<20)))
	_ = mw.Close()
	req := httptest.NewRequest("POST", "/skills/import", strings.NewReader(body.String()))
	req.Header.Set("Content-Type", mw.FormDataContentType())
	rec := httptest.NewRecorder()
	m := New(nil, slog.New(slog.DiscardHandler), Config{})
	m.importUpload(rec, req.WithContext(context.WithValue(req.Context(), viewerKey{}, &viewer{})), &viewer{Session: identityapi.Session{Opens: []identityapi.Section{identityapi.SkillImport}}})
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("7 MiB upload: %d", rec.Code)
	}
}
